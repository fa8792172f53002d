// The two ways a serving process answers /api/cluster and /metrics: alone, from what it
// knows itself, or as a worker, by asking the primary, which sees every worker.

import type { Health } from '../http/health.ts';
import { type ProcessMetrics, renderClusterMetrics } from '../metrics/metrics.ts';
import type { WorkerPlan } from '../platform/concurrency.ts';
import { createCounters } from './counters.ts';
import type { Question, WorkerMessage } from './messages.ts';
import type { ClusterStatus, ClusterView, MetricsSnapshot } from './status.ts';

export function singleProcessView(
  instance: string | null,
  plan: Pick<WorkerPlan, 'count' | 'source' | 'reason'>,
  metrics: ProcessMetrics,
  health: Health,
): ClusterView {
  // Alone, this process is the whole dyno: its counters are the dyno's.
  const count = createCounters();
  return {
    async status(): Promise<ClusterStatus> {
      return {
        instance,
        dyno: instance,
        mode: 'single',
        workerCount: { count: plan.count, source: plan.source, reason: plan.reason },
        primary: null,
        workers: [
          {
            id: null,
            slot: 1,
            pid: process.pid,
            state: health.draining ? 'draining' : 'ready',
            uptimeSeconds: Math.round(process.uptime()),
            rssBytes: process.memoryUsage.rss(),
            requests: metrics.served(),
            restarts: 0,
          },
        ],
        restarts: 0,
        reloads: 0,
      };
    },
    metrics: () => metrics.registry.metrics(),
    count: async (counter, add = 0) => count(counter, add),
  };
}

export interface PrimaryLink extends ClusterView {
  /** Feed it the primary's `answer` messages. */
  answered(id: number, body: unknown): void;
}

/** Asks the primary over IPC; gives up after `timeoutMs`, so a request never hangs on it. */
export function primaryView(
  send: (message: WorkerMessage) => void,
  instance: string | null,
  timeoutMs = 5_000,
): PrimaryLink {
  const pending = new Map<number, (body: unknown) => void>();
  let nextId = 0;
  const ask = (question: Question) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(
          Object.assign(new Error(`the primary did not answer ${JSON.stringify(question)} within ${timeoutMs} ms`), {
            status: 503,
          }),
        );
      }, timeoutMs);
      pending.set(id, (body) => {
        clearTimeout(timer);
        pending.delete(id);
        resolve(body);
      });
      send({ type: 'ask', id, question });
    });
  return {
    status: () => ask('status') as Promise<ClusterStatus>,
    metrics: async () => renderClusterMetrics((await ask('metrics')) as MetricsSnapshot, instance),
    count: async (counter, add = 0) => (await ask({ counter, add })) as number,
    answered: (id, body) => pending.get(id)?.(body),
  };
}
