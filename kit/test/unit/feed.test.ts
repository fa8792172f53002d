import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PrimaryMessage } from '../../../src/runtime/cluster/messages.ts';
import { byMsg, type FakeWorker, fakeCluster } from '../helpers/fake-cluster.ts';

/** Resolves once the worker has been sent `count` status frames. */
const statusFrames = (worker: FakeWorker, count: number) =>
  new Promise<void>((resolve) => {
    const check = () => {
      if (worker.received.filter((m) => m.type === 'status').length < count) return;
      worker.off('received', check);
      resolve();
    };
    worker.on('received', check);
    check();
  });

describe("the primary's side of the live timeline", () => {
  it('sends a worker that starts watching the history, then the status, then each event as it happens', async (t) => {
    const c = fakeCluster(t);
    await c.waitFor(byMsg('cluster ready'));
    c.worker(1).post({ type: 'watch', on: true });
    const [history, status] = c.worker(1).received as PrimaryMessage[];
    assert.equal(history?.type, 'events');
    assert.deepEqual(
      c
        .worker(1)
        .events()
        .map((e) => [e.kind, e.worker, e.slot]),
      [
        ['forked', 1, 1],
        ['forked', 2, 2],
        ['ready', 1, 1],
        ['ready', 2, 2],
        ['cluster-ready', undefined, undefined],
      ],
    );
    assert.equal(status?.type, 'status');
    const ready = c.worker(1).events()[2];
    assert.equal(typeof ready?.details?.bootMs, 'number');
    assert.equal(ready?.doc, 'docs/clustering.md#ready-handshake');
    assert.deepEqual(
      c
        .worker(1)
        .events()
        .map((e) => e.seq),
      [1, 2, 3, 4, 5],
    );

    c.worker(2).exit(1);
    await c.waitFor(byMsg('restarting worker'));
    assert.deepEqual(
      c
        .worker(1)
        .events()
        .slice(5)
        .map((e) => e.kind),
      ['exited', 'restart-scheduled'],
    );
    assert.ok(!c.worker(2).received.some((m) => m.type === 'events'), 'a worker nobody watches through gets nothing');
  });

  it('sends the status on the interval only while someone watches', async (t) => {
    const c = fakeCluster(t, { statusIntervalMs: 5 });
    await c.waitFor(byMsg('cluster ready'));
    c.worker(1).post({ type: 'watch', on: true });
    await statusFrames(c.worker(1), 3);
    c.worker(1).post({ type: 'watch', on: false });
    await c.waitFor(byMsg('nobody watches the timeline: status frames stopped'));
  });

  it('stops the status frames when the last watching worker exits', async (t) => {
    const c = fakeCluster(t, { statusIntervalMs: 5 });
    await c.waitFor(byMsg('cluster ready'));
    c.worker(1).post({ type: 'watch', on: true });
    c.worker(2).post({ type: 'watch', on: true });
    c.worker(1).exit(1);
    assert.equal(c.lines.filter(byMsg('nobody watches the timeline: status frames stopped')).length, 0);
    await statusFrames(c.worker(2), 2);
    c.worker(2).exit(1);
    await c.waitFor(byMsg('nobody watches the timeline: status frames stopped'));
  });
});
