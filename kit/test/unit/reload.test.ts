import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byMsg, fakeCluster } from '../helpers/fake-cluster.ts';

const MB = 1024 * 1024;

describe('rolling reload', () => {
  it('replaces one worker at a time: each new one ready before its old one drains', async (t) => {
    const c = fakeCluster(t);
    await c.waitFor(byMsg('cluster ready'));
    c.trace.length = 0;
    c.supervisor.reload('test');
    await c.waitFor(byMsg('rolling reload finished'));
    assert.deepEqual(c.trace, ['fork 3', 'ready 3', 'drain 1', 'exit 1', 'fork 4', 'ready 4', 'drain 2', 'exit 2']);
    assert.equal(c.lines.find(byMsg('rolling reload started'))?.workers, 2);
    assert.deepEqual(
      c.lines.filter(byMsg('reload step')).map((l) => [l.step, l.of, l.replacing]),
      [
        [1, 2, 1],
        [2, 2, 2],
      ],
    );
    for (const old of [1, 2]) {
      const exited = c.lines.find(byMsg('worker exited', { worker: old }));
      assert.equal(exited?.expected, true);
      assert.equal(exited?.code, 0, 'drained, not killed');
    }
    assert.equal(c.lines.filter(byMsg('restarting worker')).length, 0);
    const status = (await c.worker(3).ask('status')) as { reloads: number; workers: { id: number; slot: number }[] };
    assert.equal(status.reloads, 1);
    assert.deepEqual(
      status.workers.map((w) => [w.id, w.slot]),
      [
        [3, 1],
        [4, 2],
      ],
    );
  });

  it('stops when a new worker dies before it is ready, and the old workers keep serving', async (t) => {
    const c = fakeCluster(t, { script: (w, n) => (n === 3 ? w.fail('EADDRINUSE') : w.ready()) });
    await c.waitFor(byMsg('cluster ready'));
    c.supervisor.reload('test');
    const stopped = await c.waitFor(byMsg('rolling reload stopped: the remaining old workers keep serving'));
    assert.equal(stopped.step, 1);
    const failed = c.lines.find(byMsg('replacement failed before it was ready: the old worker keeps serving'));
    assert.deepEqual([failed?.old, failed?.new, failed?.cause], [1, 3, 'EADDRINUSE']);
    assert.ok(!c.trace.some((e) => e.startsWith('drain')), 'no old worker was drained');
    assert.equal(c.lines.filter(byMsg('restarting worker')).length, 0, 'a failed replacement is not restarted');
    const status = (await c.worker(1).ask('status')) as { workers: { id: number; state: string }[] };
    assert.deepEqual(
      status.workers.map((w) => [w.id, w.state]),
      [
        [1, 'ready'],
        [2, 'ready'],
      ],
    );
  });

  it('makes one rolling change at a time: a reload while booting, reloading or stopping is ignored', async (t) => {
    const c = fakeCluster(t, {
      script: (w, n) => {
        if (n !== 2) w.ready();
      },
    });
    c.supervisor.reload();
    assert.equal(c.lines.find(byMsg('reload ignored'))?.because, 'booting');
    (await c.forked(2)).ready();
    await c.waitFor(byMsg('cluster ready'));
    c.supervisor.reload();
    c.supervisor.reload();
    assert.ok(c.lines.some(byMsg('reload ignored', { because: 'a replacement is in progress' })));
    await c.waitFor(byMsg('rolling reload finished'));
    assert.equal(c.lines.filter(byMsg('rolling reload started')).length, 1);
    c.supervisor.shutdown('SIGTERM');
    c.supervisor.reload();
    assert.ok(c.lines.some(byMsg('reload ignored', { because: 'stopping' })));
  });

  it('replaces a worker over its memory budget the same way, once', async (t) => {
    const c = fakeCluster(t, { memoryBudgetBytes: 100 * MB });
    await c.waitFor(byMsg('cluster ready'));
    c.trace.length = 0;
    const stats = { type: 'stats', requests: 0, cpuPercent: 0 } as const;
    c.worker(2).post({ ...stats, rss: 99 * MB });
    c.worker(1).post({ ...stats, rss: 150 * MB });
    c.worker(1).post({ ...stats, rss: 160 * MB });
    const over = c.lines.filter(byMsg('worker over its memory budget: replacing it'));
    assert.equal(over.length, 1, 'the second report finds the replacement under way');
    assert.deepEqual([over[0]?.level, over[0]?.worker, over[0]?.rssMb, over[0]?.budgetMb], ['warn', 1, 150, 100]);
    const exited = await c.waitFor(byMsg('worker exited', { worker: 1 }));
    assert.equal(exited.expected, true);
    assert.equal(exited.code, 0);
    assert.deepEqual(c.trace, ['fork 3', 'ready 3', 'drain 1', 'exit 1']);
  });
});
