// What the cluster looks like, as /api/cluster reports it and the page at / draws it.

import type { WorkerPlan } from '../platform/concurrency.ts';
import type { MetricsJson } from './messages.ts';

export interface WorkerStatus {
  /** The cluster worker id; null in single-process mode. */
  readonly id: number | null;
  /** The seat a worker holds: a replacement takes its predecessor's slot. */
  readonly slot: number;
  readonly pid: number | undefined;
  readonly state: 'starting' | 'ready' | 'draining' | 'exited';
  readonly uptimeSeconds: number;
  readonly rssBytes: number | null;
  readonly requests: number;
  /** Unexpected deaths in this slot since boot. */
  readonly restarts: number;
}

export interface ClusterStatus {
  /** The instance this view is of (Heroku's dyno, Fly's Machine): a scaled app has one such view per instance. */
  readonly instance: string | null;
  /** @deprecated The same as `instance`, for the demo page until it reads `instance`. */
  readonly dyno: string | null;
  readonly mode: 'cluster' | 'single';
  readonly workerCount: Pick<WorkerPlan, 'count' | 'source' | 'reason'>;
  readonly primary: { readonly pid: number; readonly uptimeSeconds: number; readonly rssBytes: number } | null;
  readonly workers: readonly WorkerStatus[];
  readonly restarts: number;
  readonly reloads: number;
}

/** How the app reads cluster-wide facts without knowing whether a cluster exists. */
export interface ClusterView {
  status(): Promise<ClusterStatus>;
  /** Prometheus text, summed over every worker that answered. */
  metrics(): Promise<string>;
  /** Adds to a counter the whole dyno shares (held by the primary) and answers its total. */
  count(counter: string, add?: number): Promise<number>;
}

/** What the primary hands a worker for /metrics: the worker sums and renders it. */
export interface MetricsSnapshot {
  readonly workers: readonly MetricsJson[];
  /** Workers that did not answer in time: their series are missing from the sums. */
  readonly missing: number;
  readonly restarts: number;
  readonly reloads: number;
  readonly alive: number;
  readonly primaryRssBytes: number;
}
