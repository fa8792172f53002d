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
  /** The Procfile's name for this process's type: `web` serves requests, `worker` runs jobs. */
  readonly processType: 'web' | 'worker';
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

/** What every process of the app is handed: a web worker, and a job runner alike. */
export interface ProcessContext<V = AnyVariables> {
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
  /** The app's job queue: `ctx.jobs.enqueue(job, payload)` hands work to the worker process type. */
  readonly jobs: Jobs;
}

/** What a serving process hands createApp: a process's context, and the kit's HTTP part. */
export interface AppContext<V = AnyVariables> extends ProcessContext<V> {
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

/** What enqueue reads of a job's definition (jobs/define.ts): its name, retries and payload type. */
export interface EnqueuedJob<P> {
  readonly name: string;
  readonly retries: number;
  readonly payload?: P;
}

export interface EnqueueOptions {
  /**
   * Enqueuing the same id again while the job is kept adds nothing: an idempotent enqueue. Not a
   * whole number and no ":" (BullMQ's own ids are numbers): "note-42", not "42".
   */
  readonly id?: string;
  /** Runs no earlier than this many ms from now. */
  readonly delayMs?: number;
}

export interface JobCounts {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly completed: number;
  readonly failed: number;
}

/** One job as the page lists it. */
export interface JobSummary {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  /** Runs started, retries included. */
  readonly attempts: number;
  /** The process that ran it last: `web.1 runner 2 (pid 123)`. */
  readonly ranBy: string | null;
  readonly ms: number | null;
  readonly failedReason: string | null;
  readonly finishedAt: number | null;
}

export interface Jobs {
  /** `job` is a definition from src/app/jobs/ (defineJob): its payload type checks `payload`. */
  enqueue<P>(job: EnqueuedJob<P>, payload: P, options?: EnqueueOptions): Promise<{ readonly id: string }>;
  counts(): Promise<JobCounts>;
  /** The most recent jobs, newest first. */
  recent(count?: number): Promise<readonly JobSummary[]>;
  /** How long each of the latest `count` completed jobs ran, in ms. */
  durations(count?: number): Promise<readonly number[]>;
}
