import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { FORCEABLE } from '../../../src/runtime/signals.ts';
import { DEMO_PRESENT } from '../helpers/demo.ts';
import { request } from '../helpers/http.ts';
import {
  byMsg,
  type Dyno,
  freePort,
  isAlive,
  needsCommand,
  outputLines,
  portIsFree,
  spawnGroup,
  startDyno,
} from '../helpers/process.ts';
import { advertisedKeepAliveS } from '../helpers/raw-socket.ts';
import { until } from '../helpers/until.ts';

const READY = { 1: 'listening', 2: 'cluster ready' } as const;
// The kit as shipped has a slow route in its teaching surface; once that is removed, the app
// in the fixture serves one through the same runtime, so these tests still run.
const SLOW = DEMO_PRESENT
  ? { entry: 'start.ts', path: '/demo/sleep?ms=' }
  : { entry: 'kit/test/fixtures/owned-resources.ts', path: '/slow?ms=' };

async function bootAndFindPort(dyno: Dyno, workers: 1 | 2): Promise<number> {
  const ready = await dyno.waitFor(READY[workers], byMsg(READY[workers]));
  return ready.port as number;
}

/** Resolves once a worker logs that the request is in flight, so the signal lands mid-request. */
async function slowRequestInFlight(dyno: Dyno, port: number, ms: number) {
  const started = dyno.logs.length;
  // Settles to the error instead of rejecting: a cut-off request is an outcome we assert.
  const reply = request(`http://127.0.0.1:${port}${SLOW.path}${ms}`).catch((err: Error) => err);
  await dyno.waitFor('request arrived', (line) => line.msg === 'request started' && dyno.logs.indexOf(line) >= started);
  // Wrapped, or awaiting this function would wait for the reply itself.
  return { reply };
}

for (const workers of [1, 2] as const) {
  describe(`SIGTERM to the process group (${workers === 1 ? 'single process' : 'cluster of 2'})`, () => {
    it('lets the slow request in flight finish with 200 and Connection: close, then exits 0', async (t) => {
      const dyno = startDyno(t, { WEB_CONCURRENCY: String(workers), LOG_LEVEL: 'debug' }, SLOW.entry);
      const port = await bootAndFindPort(dyno, workers);
      const { reply } = await slowRequestInFlight(dyno, port, 700);
      dyno.signalGroup('SIGTERM');
      // Heroku may send SIGTERM more than once: draining must not start over or stop.
      await dyno.waitFor('draining', byMsg('draining'));
      dyno.signalGroup('SIGTERM');
      const res = await reply;
      assert.ok(!(res instanceof Error), String(res));
      assert.equal(res.status, 200);
      assert.equal(res.headers.connection, 'close');
      assert.equal((await dyno.exited).code, 0);
      const pids = new Set(dyno.logs.map((line) => line.pid));
      for (const pid of pids) assert.ok(!isAlive(pid), `process ${pid} is gone`);
    });

    it('closes idle keep-alive connections at once instead of waiting for them', async (t) => {
      const dyno = startDyno(t, { WEB_CONCURRENCY: String(workers) });
      const port = await bootAndFindPort(dyno, workers);
      const agent = new http.Agent({ keepAlive: true });
      t.after(() => agent.destroy());
      const replies = await Promise.all(
        Array.from({ length: 4 }, () => request(`http://127.0.0.1:${port}/healthz`, { agent })),
      );
      // Every serving process, worker or single, keeps pooled connections past the router's 90 s.
      for (const res of replies)
        assert.ok((advertisedKeepAliveS(res.headers) ?? 0) > 90, `Keep-Alive: ${res.headers['keep-alive']}`);
      assert.ok(Object.values(agent.freeSockets).flat().length > 0, 'idle keep-alive sockets are open');
      const signalled = performance.now();
      dyno.signalGroup('SIGTERM');
      assert.equal((await dyno.exited).code, 0);
      // The keep-alive timeout is 95 s: an exit this soon means the idle sockets were closed, not waited out.
      assert.ok(performance.now() - signalled < 4_000);
    });

    it('kills what is left at SHUTDOWN_TIMEOUT and exits non-zero', async (t) => {
      const dyno = startDyno(
        t,
        { WEB_CONCURRENCY: String(workers), SHUTDOWN_TIMEOUT: '1', LOG_LEVEL: 'debug' },
        SLOW.entry,
      );
      const port = await bootAndFindPort(dyno, workers);
      const { reply } = await slowRequestInFlight(dyno, port, 10_000);
      dyno.signalGroup('SIGTERM');
      const exit = await dyno.exited;
      assert.equal(exit.code, 1);
      assert.equal(((await reply) as NodeJS.ErrnoException).code, 'ECONNRESET');
      await dyno.waitFor('deadline', (line) => /deadline passed/.test(line.msg));
    });

    it('still drains when the reader of its logs has gone away (EPIPE on stdout)', async (t) => {
      const dyno = startDyno(t, { WEB_CONCURRENCY: String(workers), LOG_LEVEL: 'debug' }, SLOW.entry);
      const port = await bootAndFindPort(dyno, workers);
      const { reply } = await slowRequestInFlight(dyno, port, 500);
      // As when `npm start | grep x` gets Ctrl+C: the pipe's reader is gone before the drain logs.
      dyno.child.stdout?.destroy();
      dyno.signalGroup('SIGTERM');
      const res = await reply;
      assert.ok(!(res instanceof Error), String(res));
      assert.equal(res.status, 200);
      assert.equal((await dyno.exited).code, 0, dyno.stderr.join('\n'));
    });

    it('the same Ctrl+C passed on again at once, as npm does, still drains', async (t) => {
      const dyno = startDyno(t, { WEB_CONCURRENCY: String(workers), LOG_LEVEL: 'debug' }, SLOW.entry);
      const port = await bootAndFindPort(dyno, workers);
      const { reply } = await slowRequestInFlight(dyno, port, 700);
      // The terminal's SIGINT to the group, then npm's copy to its child.
      dyno.signalGroup('SIGINT');
      dyno.signalFirst('SIGINT');
      const res = await reply;
      assert.ok(!(res instanceof Error), String(res));
      assert.equal(res.status, 200);
      assert.equal((await dyno.exited).code, 0);
    });

    it('a second Ctrl+C stops at once', async (t) => {
      const dyno = startDyno(t, { WEB_CONCURRENCY: String(workers), LOG_LEVEL: 'debug' }, SLOW.entry);
      const port = await bootAndFindPort(dyno, workers);
      const { reply } = await slowRequestInFlight(dyno, port, 10_000);
      dyno.signalGroup('SIGINT');
      // A SIGINT right behind the first is the same Ctrl+C passed on by npm: the leader (primary
      // or single process) says when a second one counts.
      const leader = dyno.child.pid;
      await dyno.waitFor('a second Ctrl+C counts', (l) => l.pid === leader && l.msg === FORCEABLE);
      dyno.signalGroup('SIGINT');
      assert.equal((await dyno.exited).code, 130);
      assert.equal(((await reply) as NodeJS.ErrnoException).code, 'ECONNRESET');
    });
  });
}

describe('one signal to the first process alone, as containers, Fly.io and Cloud Run send it', () => {
  const FLY = { FLY_APP_NAME: 'kit', FLY_MACHINE_ID: '148ed599c1d789', FLY_REGION: 'ams' };
  for (const [name, env, signal] of [
    ["Fly.io's single SIGINT", FLY, 'SIGINT'],
    ['SIGTERM', {}, 'SIGTERM'],
  ] as const) {
    for (const workers of [1, 2] as const) {
      it(`${name} to the ${workers === 1 ? 'single process' : 'primary of 2 workers'} drains every worker: the slow request finishes with 200, exit 0`, async (t) => {
        const dyno = startDyno(t, { WEB_CONCURRENCY: String(workers), LOG_LEVEL: 'debug', ...env }, SLOW.entry);
        const port = await bootAndFindPort(dyno, workers);
        const { reply } = await slowRequestInFlight(dyno, port, 700);
        const workerPids = dyno.logs.filter(byMsg('worker ready')).map((line) => line.workerPid as number);
        dyno.signalFirst(signal);
        const res = await reply;
        assert.ok(!(res instanceof Error), String(res));
        assert.equal(res.status, 200);
        assert.equal((await dyno.exited).code, 0);
        for (const pid of workerPids) assert.ok(!isAlive(pid), `worker ${pid} is gone`);
        // Nothing but the first process got a signal: the workers drained because it told them.
        for (const pid of workerPids)
          assert.ok(
            dyno.logs.some((line) => line.pid === pid && line.msg === 'draining'),
            `worker ${pid} drained`,
          );
      });
    }
  }
});

describe('in a terminal (util-linux script gives the app one)', needsCommand('script'), () => {
  /** `npm start` in a terminal: the app's JSON lines, read from the terminal's other end. */
  async function inTerminal(t: TestContext, workers: 1 | 2) {
    const port = await freePort();
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(port),
      LOG_FORMAT: 'json',
      NODE_ENV: 'test',
    };
    const terminal = spawnGroup(t, 'script', ['-qfc', `exec ${process.execPath} start.ts`, '/dev/null'], {
      env: { ...env, WEB_CONCURRENCY: String(workers) },
    });
    const output = outputLines(terminal.child, terminal.exited);
    const json = (line: string) => (line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : {});
    const ready = json(await output.waitForLine('ready', (line) => json(line).msg === READY[workers]));
    const pids = [
      ready.pid as number,
      ...output.lines.map(json).flatMap((l) => (l.msg === 'worker ready' ? [l.workerPid as number] : [])),
    ];
    // The app runs in a session of its own, which the harness's kill of script's group misses.
    t.after(() => {
      for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    });
    return { port, pids, terminal, output, json };
  }

  for (const workers of [1, 2] as const) {
    it(`closing it stops the ${workers === 1 ? 'single process' : 'cluster'}: no process left, the port free`, async (t) => {
      const { port, pids, terminal } = await inTerminal(t, workers);
      // As a terminal window closes: its end of the terminal goes, and the kernel hangs up the app's.
      terminal.child.kill('SIGKILL');
      await until(
        'every process of the app gone',
        async () => pids.filter(isAlive),
        (alive) => alive.length === 0,
        20_000,
      );
      assert.ok(await portIsFree(port), `port ${port} is free`);
    });
  }

  it('kill -HUP while it is open still reloads the cluster', async (t) => {
    const { pids, output, json } = await inTerminal(t, 2);
    process.kill(pids[0] as number, 'SIGHUP');
    await output.waitForLine('reloaded', (line) => json(line).msg === 'rolling reload finished');
    assert.ok(isAlive(pids[0] as number), 'the primary serves on');
  });
});
