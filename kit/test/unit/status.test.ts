import assert from 'node:assert/strict';
import { it } from 'node:test';
import { clusterStatus } from '../../../src/runtime/cluster/status.ts';

it('a process serving alone is its own status: single mode, no primary, nothing restarted or reloaded', () => {
  const plan = { count: 1, source: 'WEB_CONCURRENCY', reason: 'single process', webMemoryMb: 512 } as const;
  const row = {
    id: null,
    slot: 1,
    pid: process.pid,
    state: 'ready',
    uptimeSeconds: 3,
    rssBytes: 1,
    requests: 2,
    cpuPercent: null,
    restarts: 0,
  } as const;
  assert.deepEqual(clusterStatus({ instance: null, plan, memoryBudgetBytes: 9 }, [row]), {
    instance: null,
    mode: 'single',
    workerCount: { count: 1, source: 'WEB_CONCURRENCY', reason: 'single process' },
    primary: null,
    workers: [row],
    restarts: 0,
    reloads: 0,
    memoryBudgetBytes: 9,
  });
});

it("a primary's status has its own process and its totals", () => {
  const plan = { count: 2, source: 'WEB_CONCURRENCY', reason: 'r' } as const;
  const status = clusterStatus({ instance: 'web.1', plan, memoryBudgetBytes: 9 }, [], { restarts: 3, reloads: 1 });
  assert.equal(status.mode, 'cluster');
  assert.equal(status.primary?.pid, process.pid);
  assert.deepEqual([status.restarts, status.reloads], [3, 1]);
});
