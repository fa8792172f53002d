// The shapes the runtime and an app agree on. The app imports them through contract.ts; the
// runtime's own modules import them from here, so that no module of it depends on its front.
import type { RequestListener } from 'node:http';
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import type { ClusterView } from './cluster/views.ts';
import type { Env, NodeEnv } from './config.ts';
import type { DatabaseSettings, PoolPlan } from './database/settings.ts';
import type { ProcessIdentity } from './identity.ts';
import type { Logger } from './log/log.ts';
import type { RedisSettings } from './redis/settings.ts';
import type { Resources } from './resources.ts';
import type { Surfaces } from './surfaces.ts';

/** Any app's variables, before its own declaration gives them their types. */
export type AnyVariables = Readonly<Record<string, unknown>>;

/** The configuration the app may read. */
export interface AppConfig<V = AnyVariables> {
  readonly nodeEnv: NodeEnv;
  /** NODE_ENV=production: hide error details, serve only what is switched on. */
  readonly production: boolean;
  /** What is public, fixed at boot: the demo surface and /metrics. */
  readonly surfaces: Surfaces;
  /**
   * How many processes serve on this machine (1 with no cluster). Anything budgeted per
   * dyno, such as database connections, is shared out by it.
   */
  readonly workers: number;
  /** Your variables (src/app/variables.ts), parsed and typed: read these, not process.env. */
  readonly vars: V;
  /** The environment the process started with: read, never written. */
  readonly env: Env;
  /** DATABASE_URL parsed, with this process's share of the dyno's connections; null without one. */
  readonly database: (DatabaseSettings & { readonly pool: PoolPlan }) | null;
  /** REDIS_URL parsed: where the app's Redis is and how to speak TLS to it; null without one. */
  readonly redis: RedisSettings | null;
}

export interface AppContext<V = AnyVariables> {
  readonly config: AppConfig<V>;
  /** Which process this is: pid, cluster worker id, dyno. */
  readonly identity: ProcessIdentity;
  /** This process's logger; inside a request, `req.log` adds its request id. */
  readonly log: Logger;
  /** prom-client registry: series added here are summed over the workers on /metrics. */
  readonly metrics: Registry;
  /** Register what the app owns: opened before the process listens, closed after its last request. */
  readonly resources: Resources;
  /** The whole dyno's status and metrics, wherever this process sits in it. */
  readonly cluster: ClusterView;
  readonly http: KitHttp;
}

export interface KitHttp {
  /**
   * What every app on the kit needs, installed first: trust in the router's one proxy hop,
   * safe headers (helmet), request ids and log lines, /healthz, /readyz and /metrics.
   */
  install(app: Express): void;
}

/** Your app, as the runtime calls it once in each serving process. */
export type AppFactory<V = AnyVariables> = (ctx: AppContext<V>) => RequestListener;
