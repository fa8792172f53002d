// What the app owns, under every way a process ends: the fixture app records each open, close
// and slow request, and the tests read that record against the process's exit.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { request } from '../helpers/http.ts';
import { byMsg, type Dyno, startDyno } from '../helpers/process.ts';

const FIXTURE = 'kit/test/fixtures/owned-resources.ts';
const READY = { 1: 'listening', 2: 'cluster ready' } as const;

async function recordFile(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'resources-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'record');
}

/** The record, one array of events per process, in the order they happened. */
async function recorded(file: string): Promise<Map<number, string[]>> {
  const byPid = new Map<number, string[]>();
  const text = await readFile(file, 'utf8').catch(() => '');
  for (const line of text.split('\n').filter(Boolean)) {
    const [pid, ...event] = line.split(' ');
    byPid.set(Number(pid), [...(byPid.get(Number(pid)) ?? []), event.join(' ')]);
  }
  return byPid;
}

async function boot(t: TestContext, workers: 1 | 2, env: Record<string, string> = {}) {
  const file = await recordFile(t);
  const dyno = startDyno(t, { WEB_CONCURRENCY: String(workers), RECORD_FILE: file, ...env }, FIXTURE);
  const port = (await dyno.waitFor(READY[workers], byMsg(READY[workers]))).port as number;
  return { dyno, port, file };
}

/** Resolves once the app has the request in hand, so a signal lands mid-request. */
async function slowInFlight(dyno: Dyno, port: number, ms = 600) {
  const seen = dyno.logs.length;
  const reply = request(`http://127.0.0.1:${port}/slow?ms=${ms}`).catch((err: Error) => err);
  const line = await dyno.waitFor(
    'slow request started',
    (l) => l.msg === 'slow request started' && dyno.logs.indexOf(l) >= seen,
  );
  return { reply, pid: line.pid };
}

const OPENED_THEN_SERVED_THEN_CLOSED = [
  'open cache',
  'open db',
  'served slow, resources open: true',
  'closing db',
  'closed db',
  'closing cache',
  'closed cache',
];

for (const [signal, workers] of [
  ['SIGTERM', 1],
  ['SIGTERM', 2],
  ['SIGINT', 1],
  ['SIGINT', 2],
] as const) {
  describe(`${signal} (${workers === 1 ? 'single process' : 'cluster of 2'})`, () => {
    it('closes the resources after the request in flight, last opened first, then exits 0', async (t) => {
      const { dyno, port, file } = await boot(t, workers);
      const { reply, pid } = await slowInFlight(dyno, port);
      dyno.signalGroup(signal);
      const res = await reply;
      assert.ok(!(res instanceof Error), String(res));
      assert.equal(res.status, 200, 'the request finished while its resources were still open');
      assert.equal((await dyno.exited).code, 0);
      const events = await recorded(file);
      assert.deepEqual(events.get(pid), OPENED_THEN_SERVED_THEN_CLOSED);
      // Every process that served, not only the one that had the request, closed what it opened.
      assert.equal(events.size, workers);
      for (const [other, list] of events) {
        if (other !== pid)
          assert.deepEqual(list, ['open cache', 'open db', 'closing db', 'closed db', 'closing cache', 'closed cache']);
      }
    });
  });
}

describe('the primary drains a worker (SIGHUP: rolling reload)', () => {
  it('opens the new workers before they are ready, and closes the old ones after their last request', async (t) => {
    const { dyno, port, file } = await boot(t, 2);
    const firstPids = dyno.logs.filter(byMsg('worker ready')).map((l) => l.workerPid as number);
    const { reply, pid } = await slowInFlight(dyno, port, 800);
    dyno.signalGroup('SIGHUP');
    await dyno.waitFor('reload finished', byMsg('rolling reload finished'));
    const res = await reply;
    assert.ok(!(res instanceof Error), String(res));
    assert.equal(res.status, 200);
    const events = await recorded(file);
    assert.deepEqual(events.get(pid), OPENED_THEN_SERVED_THEN_CLOSED);
    for (const old of firstPids) assert.deepEqual(events.get(old)?.slice(-2), ['closing cache', 'closed cache']);
    const fresh = [...events.keys()].filter((p) => !firstPids.includes(p));
    assert.equal(fresh.length, 2, 'two new workers');
    for (const p of fresh) {
      assert.deepEqual(events.get(p), ['open cache', 'open db']);
      const opened = dyno.logs.findIndex((l) => l.pid === p && l.msg === 'resource open' && l.resource === 'db');
      const listening = dyno.logs.findIndex((l) => l.pid === p && l.msg === 'listening');
      assert.ok(opened >= 0 && opened < listening, 'open before the worker listens, so before it is ready');
    }
  });
});

describe('an uncaught exception', () => {
  it('a single process finishes the request in flight, closes the resources and exits 1', async (t) => {
    const { dyno, port, file } = await boot(t, 1);
    const { reply, pid } = await slowInFlight(dyno, port);
    await request(`http://127.0.0.1:${port}/crash`);
    const res = await reply;
    assert.ok(!(res instanceof Error), String(res));
    assert.equal(res.status, 200);
    assert.equal((await dyno.exited).code, 1);
    assert.deepEqual((await recorded(file)).get(pid), OPENED_THEN_SERVED_THEN_CLOSED);
  });

  it('in a cluster, the crashed worker closes its resources and the primary replaces it', async (t) => {
    const { dyno, port, file } = await boot(t, 2);
    const crashed = ((await request(`http://127.0.0.1:${port}/crash`)).json() as { pid: number }).pid;
    await dyno.waitFor('worker exited', (l) => l.msg === 'worker exited' && l.workerPid !== undefined && l.code === 1);
    await dyno.waitFor(
      'replacement ready',
      (l) => l.msg === 'worker ready' && dyno.logs.filter(byMsg('worker ready')).length === 3,
    );
    assert.deepEqual((await recorded(file)).get(crashed), [
      'open cache',
      'open db',
      'closing db',
      'closed db',
      'closing cache',
      'closed cache',
    ]);
    dyno.signalGroup('SIGTERM');
    assert.equal((await dyno.exited).code, 0);
  });
});

describe('a resource that fails to open', () => {
  it('fails the boot naming the resource, closes what opened before it, and the crash loop names it', async (t) => {
    const file = await recordFile(t);
    const dyno = startDyno(t, { WEB_CONCURRENCY: '2', RECORD_FILE: file, FAIL_OPEN: 'db' }, FIXTURE);
    const loop = await dyno.waitFor('crash loop', (l) => l.msg.startsWith('crash loop'));
    assert.match(String(loop.cause), /^resource "db" failed to open: connect ECONNREFUSED/);
    assert.equal((await dyno.exited).code, 1);
    for (const events of (await recorded(file)).values()) {
      assert.deepEqual(events, ['open cache', 'closing cache', 'closed cache']);
    }
    assert.equal(dyno.logs.filter(byMsg('listening')).length, 0, 'no worker listened');
  });

  it('a single process does not listen, and exits 1 with the cause', async (t) => {
    const file = await recordFile(t);
    const dyno = startDyno(t, { WEB_CONCURRENCY: '1', RECORD_FILE: file, FAIL_OPEN: 'db' }, FIXTURE);
    assert.equal((await dyno.exited).code, 1);
    const failed = dyno.logs.find(byMsg('could not open a resource'));
    assert.equal(failed?.resource, 'db');
    assert.equal(dyno.logs.filter(byMsg('listening')).length, 0);
  });
});

describe('a close that hangs or throws', () => {
  for (const [setting, logged] of [
    ['HANG_CLOSE', /closing resource "db" took longer than \d+ ms/],
    ['THROW_CLOSE', /db refused to close/],
  ] as const) {
    it(`${setting}: is logged by name, the others still close, and the exit code is 1`, async (t) => {
      const { dyno, port, file } = await boot(t, 1, { SHUTDOWN_TIMEOUT: '2', [setting]: 'db' });
      await request(`http://127.0.0.1:${port}/healthz`);
      const signalled = performance.now();
      dyno.signalGroup('SIGTERM');
      assert.equal((await dyno.exited).code, 1);
      assert.ok(performance.now() - signalled < 3_000, 'within the deadline');
      const line = dyno.logs.find(byMsg('resource did not close cleanly'));
      assert.equal(line?.resource, 'db');
      assert.match(String(line?.cause), logged);
      const events = [...(await recorded(file)).values()][0];
      assert.deepEqual(events?.slice(-2), ['closing cache', 'closed cache'], 'cache closed after db failed to');
    });
  }
});
