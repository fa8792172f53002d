import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byMsg, fakeCluster } from '../helpers/fake-cluster.ts';

describe('the supervisor, in-process over fake workers', () => {
  it('forks the workers, each told how many there are, and says the cluster is ready once every one listens', async (t) => {
    const c = fakeCluster(t, {
      workers: 3,
      plan: { count: 3, source: 'WEB_CONCURRENCY', reason: 'test' },
      script: (w, n) => {
        if (n !== 3) w.ready(4000);
      },
    });
    await c.waitFor(byMsg('worker ready', { worker: 2 }));
    assert.equal(c.lines.filter(byMsg('cluster ready')).length, 0, 'not while one is still starting');
    (await c.forked(3)).ready(4000);
    const ready = await c.waitFor(byMsg('cluster ready'));
    assert.equal(ready.workers, 3);
    assert.equal(ready.port, 4000);
    assert.deepEqual(
      c.workers.map((w) => w.env.CLUSTER_WORKER_COUNT),
      ['3', '3', '3'],
    );
    const line = c.lines.find(byMsg('worker ready', { worker: 3 }));
    assert.equal(line?.workerPid, 10_003);
    assert.equal(line?.port, 4000);
  });

  it('kills a worker not ready within the ready timeout, and counts it as a failed start', async (t) => {
    const c = fakeCluster(t, {
      readyTimeoutMs: 100,
      script: (w, n) => {
        if (n !== 1) w.ready();
      },
    });
    const late = await c.waitFor(byMsg('worker not ready in time: killing it'));
    assert.equal(late.level, 'error');
    assert.equal(late.worker, 1);
    assert.equal(late.timeoutMs, 100);
    assert.deepEqual(c.worker(1).signals, ['SIGKILL']);
    const exited = await c.waitFor(byMsg('worker exited', { worker: 1 }));
    assert.equal(exited.signal, 'SIGKILL');
    assert.equal(exited.expected, false);
    const restart = await c.waitFor(byMsg('restarting worker', { after: 1 }));
    assert.equal(restart.slot, 1);
    await c.waitFor(byMsg('cluster ready'));
  });

  it("logs a worker process's 'error' rather than letting it take the supervisor down", async (t) => {
    const c = fakeCluster(t);
    await c.waitFor(byMsg('cluster ready'));
    c.worker(1).emit('error', new Error('channel closed'));
    const line = await c.waitFor(byMsg('worker process error'));
    assert.equal(line.worker, 1);
    assert.equal((line.err as Error).message, 'channel closed');
  });

  it("takes a worker's exit on the group's SIGTERM, heard before the primary's own, as expected and not a crash", async (t) => {
    const c = fakeCluster(t);
    await c.waitFor(byMsg('cluster ready'));
    // The platform signals every process of the dyno; this worker drained and left first.
    c.worker(1).post({ type: 'stopping', signal: 'SIGTERM' });
    c.worker(1).exit(0);
    c.supervisor.shutdown('SIGTERM');
    const exited = await c.waitFor(byMsg('worker exited', { worker: 1 }));
    assert.equal(exited.expected, true);
    assert.equal(await c.supervisor.exited, 0);
    assert.equal(c.lines.filter(byMsg('restarting worker')).length, 0);
  });

  it('replaces a worker that a SIGTERM of its own stopped while the dyno runs on', async (t) => {
    const c = fakeCluster(t);
    await c.waitFor(byMsg('cluster ready'));
    c.worker(1).post({ type: 'stopping', signal: 'SIGTERM' });
    c.worker(1).exit(0);
    const exited = await c.waitFor(byMsg('worker exited', { worker: 1 }));
    assert.equal(exited.expected, false);
    const restart = await c.waitFor(byMsg('restarting worker', { after: 1 }));
    assert.equal(restart.slot, 1);
  });

  it('ignores what a worker sends outside the protocol', async (t) => {
    const c = fakeCluster(t);
    await c.waitFor(byMsg('cluster ready'));
    c.worker(1).emit('message', 'hello');
    c.worker(1).emit('message', { type: 'no such type' });
    const status = (await c.worker(1).ask('status')) as { workers: unknown[] };
    assert.equal(status.workers.length, 2);
  });
});
