import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MetricsSnapshot } from '../../../src/runtime/cluster/status.ts';
import { byMsg, fakeCluster } from '../helpers/fake-cluster.ts';

describe("the primary's answers to its workers", () => {
  it('status: the plan, the primary, and a row per worker by slot with what it last reported', async (t) => {
    const c = fakeCluster(t, { memoryBudgetBytes: 300 });
    await c.waitFor(byMsg('cluster ready'));
    c.worker(2).post({ type: 'stats', rss: 123, requests: 7, cpuPercent: 12 });
    const { primary, workers, fleet, ...status } = (await c.worker(1).ask('status')) as Record<string, unknown> & {
      primary: { pid: number };
      workers: Record<string, unknown>[];
      fleet: { shared: boolean; note: string; dynos: { instance: string }[] };
    };
    assert.deepEqual(status, {
      instance: 'web.1',
      mode: 'cluster',
      workerCount: { count: 2, source: 'WEB_CONCURRENCY', reason: 'test' },
      restarts: 0,
      reloads: 0,
      memoryBudgetBytes: 300,
    });
    assert.equal(primary.pid, process.pid);
    assert.deepEqual(
      workers.map(({ uptimeSeconds: _, ...w }) => w),
      [
        { id: 1, slot: 1, pid: 10_001, state: 'ready', rssBytes: null, requests: 0, cpuPercent: null, restarts: 0 },
        { id: 2, slot: 2, pid: 10_002, state: 'ready', rssBytes: 123, requests: 7, cpuPercent: 12, restarts: 0 },
      ],
    );
    // Without Redis the fleet is this dyno, and the page says why.
    assert.equal(fleet.shared, false);
    assert.match(fleet.note, /^this dyno only: .*REDIS_URL is unset\): heroku addons:create heroku-redis:mini/);
    assert.deepEqual(
      fleet.dynos.map((d) => d.instance),
      ['web.1'],
    );
  });

  it('metrics: every worker that answers in time; the others are counted, not awaited', async (t) => {
    const c = fakeCluster(t, {
      scrapeTimeoutMs: 50,
      script: (w, n) => {
        w.metrics = n === 1 ? [{ name: 'up', type: 'gauge', help: 'up', aggregator: 'sum', values: [] }] : false;
        w.ready();
      },
    });
    await c.waitFor(byMsg('cluster ready'));
    const snapshot = (await c.worker(1).ask('metrics')) as MetricsSnapshot;
    assert.equal(snapshot.workers.length, 1);
    assert.equal(snapshot.missing, 1);
    assert.equal(snapshot.alive, 2);
    assert.deepEqual([snapshot.restarts, snapshot.reloads], [0, 0]);
    assert.deepEqual(c.lines.find(byMsg('metrics scrape'))?.workers, [1, 2]);
    const late = c.lines.find(byMsg('metrics scrape: some workers did not answer in time'));
    assert.deepEqual([late?.missing, late?.timeoutMs], [1, 50]);
  });

  it('a scrape does not wait for a worker that dies before it answers', async (t) => {
    const c = fakeCluster(t, {
      script: (w, n) => {
        w.metrics = n === 1 ? [] : false;
        w.ready();
      },
    });
    await c.waitFor(byMsg('cluster ready'));
    const asked = c.worker(1).ask('metrics') as Promise<MetricsSnapshot>;
    await c.worker(2).next('collect');
    c.worker(2).exit(1);
    assert.equal((await asked).missing, 1);
  });

  it('counters: the whole dyno adds to one total', async (t) => {
    const c = fakeCluster(t);
    await c.waitFor(byMsg('cluster ready'));
    assert.equal(await c.worker(1).ask({ counter: 'visits', add: 2 }), 2);
    assert.equal(await c.worker(2).ask({ counter: 'visits', add: 3 }), 5);
    assert.equal(await c.worker(1).ask({ counter: 'visits', add: 0 }), 5);
    assert.equal(await c.worker(1).ask({ counter: 'other', add: 0 }), 0);
  });
});
