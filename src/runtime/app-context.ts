import type { ClusterView } from './cluster/views.ts';
import type { Env, NodeEnv } from './config.ts';
import { type DatabaseSettings, planPool } from './database/settings.ts';
import type { Health } from './http/health.ts';
import { kitHttp } from './http/kit.ts';
import type { ProcessIdentity } from './identity.ts';
import type { Logger } from './log/log.ts';
import type { ProcessMetrics } from './metrics/metrics.ts';
import type { RedisSettings } from './redis/settings.ts';
import type { ResourceLifecycle } from './resources.ts';
import type { Surfaces } from './surfaces.ts';
import type { AppContext } from './types.ts';

export interface AppContextParts {
  readonly nodeEnv: NodeEnv;
  readonly surfaces: Surfaces;
  readonly workers: number;
  readonly env: Env;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly database: DatabaseSettings | null;
  readonly redis: RedisSettings | null;
  readonly identity: ProcessIdentity;
  readonly log: Logger;
  readonly metrics: ProcessMetrics;
  readonly resources: ResourceLifecycle;
  readonly health: Health;
  readonly cluster: ClusterView;
  readonly proxyHops: number;
}

/** What a serving process hands the app: the contract's one constructor. */
export function createAppContext<V = Readonly<Record<string, unknown>>>(parts: AppContextParts): AppContext<V> {
  const { log, metrics, health, resources, cluster, surfaces } = parts;
  return {
    config: Object.freeze({
      nodeEnv: parts.nodeEnv,
      production: parts.nodeEnv === 'production',
      surfaces,
      workers: parts.workers,
      env: parts.env,
      vars: parts.vars as V,
      database: parts.database && { ...parts.database, pool: planPool(parts.database.budget, parts.workers) },
      redis: parts.redis,
    }),
    identity: parts.identity,
    log,
    metrics: metrics.registry,
    resources,
    cluster,
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
