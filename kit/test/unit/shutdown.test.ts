import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byMsg, fakeCluster } from '../helpers/fake-cluster.ts';

describe('shutdown', () => {
  it('drains every worker and exits 0 once all are gone; a second signal only says so', async (t) => {
    const c = fakeCluster(t);
    await c.waitFor(byMsg('cluster ready'));
    c.supervisor.shutdown('SIGTERM');
    // Heroku sends SIGTERM to every process of the dyno, sometimes more than once.
    c.supervisor.shutdown('SIGTERM');
    assert.equal(await c.supervisor.exited, 0);
    const started = c.lines.find(byMsg('shutting down'));
    assert.deepEqual([started?.reason, started?.workers, started?.timeoutMs], ['SIGTERM', 2, 5_000]);
    assert.ok(c.lines.some(byMsg('already shutting down', { reason: 'SIGTERM' })));
    assert.deepEqual(c.trace.filter((e) => e.startsWith('drain')).sort(), ['drain 1', 'drain 2']);
    for (const worker of [1, 2]) assert.equal(c.lines.find(byMsg('worker exited', { worker }))?.expected, true);
    assert.equal(c.lines.find(byMsg('shutdown complete'))?.exitCode, 0);
    assert.equal(c.lines.filter(byMsg('restarting worker')).length, 0);
  });

  it('kills the workers still draining at the deadline, and the exit code says so', async (t) => {
    const c = fakeCluster(t, {
      shutdownTimeoutMs: 50,
      script: (w, n) => {
        w.stubborn = n === 2;
        w.ready();
      },
    });
    await c.waitFor(byMsg('cluster ready'));
    c.supervisor.shutdown('SIGTERM');
    assert.equal(await c.supervisor.exited, 1);
    const deadline = c.lines.find(byMsg('shutdown deadline passed: killing the workers still draining'));
    assert.deepEqual(deadline?.workers, [2]);
    assert.equal(deadline?.timeoutMs, 50);
    assert.deepEqual(c.worker(2).signals, ['SIGKILL']);
    assert.equal(c.lines.find(byMsg('worker exited', { worker: 1 }))?.code, 0);
  });

  it('stops a worker not yet listening with SIGTERM: it has nothing to drain', async (t) => {
    const c = fakeCluster(t, {
      script: (w, n) => {
        if (n === 1) w.ready();
      },
    });
    await c.waitFor(byMsg('worker ready', { worker: 1 }));
    c.supervisor.shutdown('SIGINT');
    assert.equal(await c.supervisor.exited, 0);
    assert.deepEqual(c.worker(2).signals, ['SIGTERM']);
    assert.ok(!c.worker(2).received.some((m) => m.type === 'drain'));
  });

  it('exits 0 when a worker not yet listening dies of that SIGTERM, before its handlers exist', async (t) => {
    const c = fakeCluster(t, {
      script: (w, n) => {
        if (n === 1) w.ready();
      },
    });
    await c.waitFor(byMsg('worker ready', { worker: 1 }));
    c.worker(2).handlesSignals = false;
    c.supervisor.shutdown('SIGINT');
    assert.equal(await c.supervisor.exited, 0);
    assert.ok(c.lines.some(byMsg('worker exited', { worker: 2, code: null, signal: 'SIGTERM', expected: true })));
  });

  it('does not replace a worker that dies while the dyno stops, and exits non-zero', async (t) => {
    const c = fakeCluster(t, {
      script: (w, n) => {
        w.stubborn = n === 2;
        w.ready();
      },
    });
    await c.waitFor(byMsg('cluster ready'));
    c.supervisor.shutdown('SIGTERM');
    await c.worker(2).next('drain');
    c.worker(2).exit(1);
    assert.equal(await c.supervisor.exited, 1);
    assert.equal(c.lines.find(byMsg('worker exited', { worker: 2 }))?.expected, true);
    assert.equal(c.lines.filter(byMsg('restarting worker')).length, 0);
    assert.equal(c.workers.length, 2, 'nothing forked');
  });

  it('forces: every worker killed at once, and 130', async (t) => {
    const c = fakeCluster(t);
    await c.waitFor(byMsg('cluster ready'));
    c.supervisor.force();
    assert.equal(await c.supervisor.exited, 130);
    assert.equal(c.lines.find(byMsg('forced stop: killing every worker'))?.workers, 2);
    assert.deepEqual(
      c.workers.map((w) => w.signals),
      [['SIGKILL'], ['SIGKILL']],
    );
  });
});
