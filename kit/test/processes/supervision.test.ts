import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import autocannon from 'autocannon';
import { needsDemo } from '../helpers/demo.ts';
import { request } from '../helpers/http.ts';
import { byMsg, isAlive, type LogLine, startDyno } from '../helpers/process.ts';

const workerReadyLines = (logs: LogLine[]) => logs.filter(byMsg('worker ready'));

describe('supervision', () => {
  it('replaces a worker killed with SIGKILL while under load', needsDemo, async (t) => {
    const dyno = startDyno(t, { WEB_CONCURRENCY: '2' });
    const { port } = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
    const victim = workerReadyLines(dyno.logs)[0]!;
    const load = autocannon({ url: `http://127.0.0.1:${port}/api/info`, connections: 4, duration: 2 });
    t.after(() => load.stop());
    process.kill(victim.workerPid as number, 'SIGKILL');
    const exited = await dyno.waitFor('victim exited', byMsg('worker exited', { workerPid: victim.workerPid }));
    assert.equal(exited.signal, 'SIGKILL');
    assert.equal(exited.expected, false);
    const replacement = await dyno.waitFor('replacement', (l) => l.msg === 'worker ready' && l.worker === 3);
    assert.notEqual(replacement.workerPid, victim.workerPid);
    const result = await load;
    assert.ok(result.requests.total > 0, 'the surviving worker kept serving');
    const info = (await request(`http://127.0.0.1:${port}/api/info`)).json() as { pid: number };
    assert.ok(isAlive(info.pid));
  });

  it('a worker with an uncaught error finishes its request, exits 1 and is replaced', async (t) => {
    const dyno = startDyno(t, { WEB_CONCURRENCY: '2' }, 'kit/test/fixtures/crash-on-request.ts');
    const { port } = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
    const res = await request(`http://127.0.0.1:${port}/boom`);
    assert.equal(res.status, 200, 'the request in flight when the error struck still finished');
    assert.equal(res.headers.connection, 'close');
    const { pid } = res.json() as { pid: number };
    const crash = await dyno.waitFor('uncaught', (l) => l.pid === pid && /uncaught exception/.test(l.msg));
    assert.match(JSON.stringify(crash.err), /boom: a bug outside the request/);
    const exited = await dyno.waitFor('exit', byMsg('worker exited', { workerPid: pid }));
    assert.equal(exited.code, 1);
    await dyno.waitFor('replacement', (l) => l.msg === 'worker ready' && l.worker === 3);
    dyno.signalGroup('SIGTERM');
    assert.equal((await dyno.exited).code, 0);
  });

  it('a crash loop at boot ends the dyno with exit 1 and the cause', async (t) => {
    const dyno = startDyno(t, { WEB_CONCURRENCY: '2' }, 'kit/test/fixtures/fail-at-boot.ts');
    assert.equal((await dyno.exited).code, 1);
    const loop = await dyno.waitFor('crash loop', (l) => l.msg.startsWith('crash loop'));
    assert.equal(loop.failures, 5);
    assert.ok(
      dyno.stderr.some((line) => /DATABASE_URL is not set/.test(line)),
      'the worker said why on stderr',
    );
    const restarts = dyno.logs.filter(byMsg('restarting worker')).map((l) => l.delayMs as number);
    assert.ok(restarts.length >= 3);
    assert.ok(restarts.at(-1)! >= restarts[0]!, `backoff grows: ${restarts}`);
  });

  it('replaces a worker over its memory budget without dropping requests', needsDemo, async (t) => {
    const dyno = startDyno(t, { WEB_CONCURRENCY: '2', WEB_MEMORY: '160' }, 'kit/test/fixtures/memory-leak.ts');
    const { port } = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
    const load = autocannon({ url: `http://127.0.0.1:${port}/api/info`, connections: 4, duration: 30 });
    t.after(() => load.stop());
    const over = await dyno.waitFor('over budget', byMsg('worker over its memory budget: replacing it'));
    assert.equal(over.worker, 1);
    // Compared in bytes, logged in whole MB: 160.3 MB over a 160 MB budget logs as 160.
    assert.equal(over.budgetMb, 160);
    assert.ok((over.rssMb as number) >= 160);
    const retired = await dyno.waitFor('leaker exits', byMsg('worker exited', { worker: 1 }));
    assert.equal(retired.expected, true);
    assert.equal(retired.code, 0, 'drained, not killed');
    load.stop();
    const result = await load;
    assert.equal(result.errors + result.non2xx, 0);
  });
});

describe('rolling reload on SIGHUP', () => {
  it('replaces every worker one at a time under steady load, losing no request', needsDemo, async (t) => {
    const dyno = startDyno(t, { WEB_CONCURRENCY: '2' });
    const { port } = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
    const before = workerReadyLines(dyno.logs).map((l) => l.workerPid as number);
    const load = autocannon({ url: `http://127.0.0.1:${port}/api/info`, connections: 8, duration: 30 });
    t.after(() => load.stop());
    await new Promise((resolve) => load.once('response', resolve));
    // To the whole group, as `kill -HUP -<pgid>` would: the workers shrug it off, the primary reloads once.
    dyno.signalGroup('SIGHUP');
    await dyno.waitFor('reload finished', byMsg('rolling reload finished'));
    load.stop();
    const result = await load;
    assert.ok(result.requests.total > 100, `served ${result.requests.total}`);
    assert.equal(result.errors, 0, 'no connection error');
    assert.equal(result.timeouts, 0);
    assert.equal(result.non2xx, 0);
    const after = (await Promise.all([1, 2, 3, 4].map(() => request(`http://127.0.0.1:${port}/api/info`)))).map(
      (r) => (r.json() as { pid: number }).pid,
    );
    for (const pid of after) assert.ok(!before.includes(pid), 'only new workers serve');
    for (const pid of before) assert.ok(!isAlive(pid), `old worker ${pid} is gone`);
    assert.equal(dyno.logs.filter(byMsg('rolling reload started')).length, 1, 'one reload for one signal');
  });

  it('stops when a new worker fails, and the old workers keep serving', needsDemo, async (t) => {
    const dyno = startDyno(t, { WEB_CONCURRENCY: '2', FAIL_FROM_WORKER: '3' }, 'kit/test/fixtures/fail-at-boot.ts');
    const { port } = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
    const before = workerReadyLines(dyno.logs).map((l) => l.workerPid as number);
    process.kill(dyno.child.pid!, 'SIGHUP');
    await dyno.waitFor('reload stopped', byMsg('rolling reload stopped: the remaining old workers keep serving'));
    for (let i = 0; i < 4; i += 1) {
      const res = await request(`http://127.0.0.1:${port}/api/info`);
      assert.equal(res.status, 200);
      assert.ok(before.includes((res.json() as { pid: number }).pid));
    }
    dyno.signalGroup('SIGTERM');
    assert.equal((await dyno.exited).code, 0);
  });
});
