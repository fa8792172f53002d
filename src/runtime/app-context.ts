import type { Health } from './http/health.ts';
import { kitHttp } from './http/kit.ts';
import { createProcessContext, type ProcessContextParts } from './process-context.ts';
import type { AppContext } from './types.ts';

export interface AppContextParts extends Omit<ProcessContextParts, 'processType'> {
  readonly health: Health;
  readonly proxyHops: number;
}

/** What a serving process hands the app: the contract's one constructor. */
export function createAppContext<V = Readonly<Record<string, unknown>>>(parts: AppContextParts): AppContext<V> {
  const { log, metrics, health, resources, cluster, surfaces } = parts;
  const context = createProcessContext<V>({ ...parts, processType: 'web' });
  // Only with a queue to read: without Redis, /metrics has no jobs series, and the process does
  // not load their module.
  if (parts.redis)
    void import('./jobs/metrics.ts').then(({ registerJobMetrics }) =>
      registerJobMetrics(metrics.registry, context.jobs),
    );
  return {
    ...context,
    http: kitHttp({
      log,
      metrics,
      health,
      readiness: (ms) => resources.readiness(ms),
      cluster,
      surfaces,
      proxyHops: parts.proxyHops,
    }),
  };
}
