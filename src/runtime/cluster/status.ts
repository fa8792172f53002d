// What the cluster looks like, as /api/cluster reports it and the page at / draws it.

import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import type { WorkerPlan } from '../platform/concurrency.ts';
import type { ClusterEvent } from './events.ts';

/** A worker's prom-client registry as JSON, as it crosses the IPC channel. */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

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
  /** Share of one CPU the worker used over its last report (0 to 100, or more with threads). */
  readonly cpuPercent: number | null;
  /** Unexpected deaths in this slot since boot. */
  readonly restarts: number;
}

/** One dyno: its primary and workers, or the process that serves alone. */
export interface DynoStatus {
  /** The instance this view is of (Heroku's dyno, Fly's Machine): a scaled app has one such view per instance. */
  readonly instance: string | null;
  readonly mode: 'cluster' | 'single';
  readonly workerCount: Pick<WorkerPlan, 'count' | 'source' | 'reason'>;
  readonly primary: { readonly pid: number; readonly uptimeSeconds: number; readonly rssBytes: number } | null;
  readonly workers: readonly WorkerStatus[];
  readonly restarts: number;
  readonly reloads: number;
  /** RSS past which a worker is replaced (WEB_MEMORY). */
  readonly memoryBudgetBytes: number;
}

/** One dyno, as the others see it. */
export interface DynoReport {
  readonly instance: string;
  readonly platform: string;
  readonly mode: DynoStatus['mode'];
  /** The workers it means to run, and each one's state. */
  readonly workerCount: number;
  readonly workers: readonly { readonly slot: number; readonly state: string }[];
  readonly restarts: number;
  readonly requests: number;
  /** Every process's resident memory, the primary's included. */
  readonly rssBytes: number;
  /** When it reported, in ms since the epoch. */
  readonly at: number;
}

/** An event of another dyno's, for the timeline: the Redis stream's id keeps it unique. */
export type FleetEvent = ClusterEvent & { readonly id: string; readonly instance: string };

export interface FleetView {
  /** True when the dynos below are every one that reported within FLEET_STALE_MS. */
  readonly shared: boolean;
  /** Why the view holds this dyno only, when it does. */
  readonly note: string | null;
  readonly dynos: readonly DynoReport[];
  /** The other dynos' recent events, oldest first. */
  readonly events: readonly FleetEvent[];
  readonly staleAfterMs: number;
  /** How often each dyno reports: a stopped one leaves the view within staleAfterMs + intervalMs. */
  readonly intervalMs: number;
}

export interface ClusterStatus extends DynoStatus {
  /** Every dyno of the app, with Redis; this one alone, and why, without. */
  readonly fleet: FleetView;
}

/** What every view of the cluster is told at boot, whoever builds it. */
export interface StatusSetup {
  readonly instance: string | null;
  readonly plan: Pick<WorkerPlan, 'count' | 'source' | 'reason'>;
  readonly memoryBudgetBytes: number;
}

/** The process running this: the primary, or the process that serves alone, whose row it is. */
export const thisProcess = () => ({
  pid: process.pid,
  uptimeSeconds: Math.round(process.uptime()),
  rssBytes: process.memoryUsage.rss(),
});

/**
 * The body of /api/cluster. `supervisor` holds the primary's totals; without one, this process
 * serves alone and `workers` is its own row.
 */
export function clusterStatus(
  setup: StatusSetup,
  workers: readonly WorkerStatus[],
  supervisor?: { readonly restarts: number; readonly reloads: number },
): DynoStatus {
  // Picked: the plan the primary holds has more in it than the page shows.
  const { count, source, reason } = setup.plan;
  return {
    instance: setup.instance,
    mode: supervisor ? 'cluster' : 'single',
    workerCount: { count, source, reason },
    primary: supervisor ? thisProcess() : null,
    workers,
    restarts: supervisor?.restarts ?? 0,
    reloads: supervisor?.reloads ?? 0,
    memoryBudgetBytes: setup.memoryBudgetBytes,
  };
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
