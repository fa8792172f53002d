// The IPC protocol between the primary and its workers, typed at both ends.
import type { ClusterEvent, ControlAction } from './events.ts';
import type { DynoReport, FleetView } from './fleet.ts';
import type { ClusterStatus, MetricsJson } from './status.ts';

export type { MetricsJson } from './status.ts';

/**
 * What a worker may ask the primary for, on behalf of a request it is serving. A counter, and a
 * count in a window (a rate limit's), are state the whole dyno shares: the primary holds them,
 * every worker adds to them and reads them.
 */
export type Question =
  | 'status'
  | 'metrics'
  | { readonly counter: string; readonly add: number }
  | { readonly window: string; readonly windowMs: number; readonly add: number };

export type WorkerMessage =
  /**
   * Sent once the worker's server listens (a job runner's, port 0, once it takes jobs, or once it
   * has waited for a queue that does not answer, with `waiting`): a worker counts as up from
   * here, not from fork.
   */
  | { readonly type: 'ready'; readonly port: number; readonly waiting?: boolean }
  /** Sent before a worker exits because it could not start, so a crash loop can name its cause. */
  | { readonly type: 'failed'; readonly reason: string }
  /** Sent when a signal of its own (not the primary's drain) starts a worker's drain. */
  | { readonly type: 'stopping'; readonly signal: string }
  /** Sent every second: what the memory budget and the status page read. */
  | {
      readonly type: 'stats';
      readonly rss: number;
      readonly requests: number;
      readonly cpuPercent: number;
    }
  | { readonly type: 'ask'; readonly id: number; readonly question: Question }
  | { readonly type: 'collected'; readonly id: number; readonly metrics: MetricsJson }
  /** A page started (on: true) or stopped watching this worker's stream: the primary streams only to watchers. */
  | { readonly type: 'watch'; readonly on: boolean }
  | { readonly type: 'control'; readonly control: ControlAction }
  /** The fleet as the reporting worker read it back from Redis (or why it could not). */
  | { readonly type: 'fleet'; readonly fleet: FleetView }
  /** For `topic`'s listeners in worker `to`, or in every worker; `note` goes on the timeline. */
  | {
      readonly type: 'tell';
      readonly topic: string;
      readonly data: unknown;
      readonly to: number | 'all';
      readonly note?: string;
    };

export type PrimaryMessage =
  | { readonly type: 'drain' }
  /** Send your metrics for scrape `id`. */
  | { readonly type: 'collect'; readonly id: number }
  | { readonly type: 'answer'; readonly id: number; readonly body: unknown }
  /** To a watching worker: the history when it starts watching, then each event as it happens. */
  | { readonly type: 'events'; readonly events: readonly ClusterEvent[] }
  | { readonly type: 'status'; readonly status: ClusterStatus }
  | { readonly type: 'told'; readonly topic: string; readonly data: unknown }
  /** To one worker: write this dyno's report and events to Redis, and send back the fleet. */
  | {
      readonly type: 'report';
      readonly dyno: DynoReport;
      readonly events: readonly ClusterEvent[];
      readonly leaving: boolean;
    };

/**
 * Set by the primary in each worker's environment: how many workers it runs, so the app can
 * share out what is budgeted per dyno. Not a setting: WEB_CONCURRENCY is.
 */
export const WORKERS_ENV = 'CLUSTER_WORKER_COUNT';

/** The worker count the primary passed; 1 for a process that serves alone. */
export function workersOf(env: Readonly<Record<string, string | undefined>>): number {
  const count = Number(env[WORKERS_ENV]);
  return Number.isInteger(count) && count > 0 ? count : 1;
}

const hasType = (value: unknown): value is { type: unknown } =>
  typeof value === 'object' && value !== null && 'type' in value;

const WORKER_TYPES = new Set([
  'ready',
  'failed',
  'stopping',
  'stats',
  'ask',
  'collected',
  'watch',
  'control',
  'tell',
  'fleet',
]);
const PRIMARY_TYPES = new Set(['drain', 'collect', 'answer', 'events', 'status', 'told', 'report']);

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return hasType(value) && WORKER_TYPES.has(value.type as string);
}

export function isPrimaryMessage(value: unknown): value is PrimaryMessage {
  return hasType(value) && PRIMARY_TYPES.has(value.type as string);
}
