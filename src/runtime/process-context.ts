// What every process of the app is handed, web worker and job runner alike: the config and the
// app's variables, its identity and logger, the metrics registry, the resources it registers,
// the cluster's view, and the job queue. The web's context adds the HTTP part (app-context.ts).

import { workersOf } from './cluster/messages.ts';
import type { ClusterView } from './cluster/views.ts';
import type { Config, Env, NodeEnv } from './config.ts';
import { type DatabaseSettings, planPool } from './database/settings.ts';
import type { ProcessIdentity } from './identity.ts';
import { createJobs } from './jobs/queue.ts';
import type { Logger } from './log/log.ts';
import type { ProcessMetrics } from './metrics/metrics.ts';
import { appRedis } from './redis/client.ts';
import { keyPrefixOf, type RedisSettings } from './redis/settings.ts';
import type { ResourceLifecycle } from './resources.ts';
import { type Surfaces, surfacesOf } from './surfaces.ts';
import type { ProcessContext } from './types.ts';

export interface ProcessContextParts {
  readonly processType: 'web' | 'worker';
  readonly nodeEnv: NodeEnv;
  readonly surfaces: Surfaces;
  /** How many processes of this type share the dyno (1 with no cluster). */
  readonly workers: number;
  readonly env: Env;
  readonly vars: Readonly<Record<string, unknown>>;
  readonly database: DatabaseSettings | null;
  readonly redis: RedisSettings | null;
  readonly identity: ProcessIdentity;
  readonly log: Logger;
  readonly metrics: ProcessMetrics;
  readonly resources: ResourceLifecycle;
  readonly cluster: ClusterView;
}

/** The parts every process reads alike from its config and environment. */
export const configParts = (config: Config, vars: Readonly<Record<string, unknown>> = {}) => ({
  nodeEnv: config.nodeEnv,
  surfaces: surfacesOf(config),
  workers: workersOf(process.env),
  env: process.env,
  vars,
  database: config.database,
  redis: config.redis,
});

export function createProcessContext<V = Readonly<Record<string, unknown>>>(
  parts: ProcessContextParts,
): ProcessContext<V> {
  return {
    config: Object.freeze({
      processType: parts.processType,
      nodeEnv: parts.nodeEnv,
      production: parts.nodeEnv === 'production',
      surfaces: parts.surfaces,
      workers: parts.workers,
      env: parts.env,
      vars: parts.vars as V,
      database: parts.database && { ...parts.database, pool: planPool(parts.database.budget, parts.workers) },
      redis: parts.redis,
    }),
    identity: parts.identity,
    log: parts.log,
    metrics: parts.metrics.registry,
    resources: parts.resources,
    cluster: parts.cluster,
    // Through the first Redis client the app registered in this process: no connection of its own.
    jobs: createJobs(() => appRedis(parts.resources), keyPrefixOf(parts.redis)),
  };
}
