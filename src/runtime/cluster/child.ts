// What every process a primary forks does to talk to it, whether it serves requests (worker.ts)
// or runs jobs (jobs/runner.ts): send it messages, answer what it asks, report its memory and
// work once a second, and end its drain a little before the primary's own deadline.
import cluster from 'node:cluster';
import { now } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../log/log.ts';
import type { ProcessMetrics } from '../metrics/metrics.ts';
import type { ResourceLifecycle, ResourceOpenError } from '../resources.ts';
import { isPrimaryMessage, type MetricsJson, type PrimaryMessage, type WorkerMessage } from './messages.ts';
import type { PrimaryLink } from './views.ts';

// With a callback, a write to a primary that has just died fails there instead of as an
// 'error' event nobody listens to; the channel's 'disconnect' then ends this process.
export function sendToPrimary(message: WorkerMessage, callback: () => void = () => {}): void {
  if (process.send && process.connected) process.send(message, undefined, {}, () => callback());
  else callback();
}

/**
 * A forked process ends its own shutdown this much before the primary's deadline, so that it
 * is not killed while it logs what it cut off or closes the app's resources.
 */
const PRIMARY_MARGIN_MS = 250;

/** How long this process's drain may take: the whole deadline alone, a little less under a primary. */
export const drainDeadlineMs = (config: Pick<Config, 'shutdown'>): number =>
  cluster.isWorker ? Math.max(config.shutdown.ms - PRIMARY_MARGIN_MS, config.shutdown.ms * 0.9) : config.shutdown.ms;

const DEFAULT_STATS_INTERVAL_MS = 1_000;

type Handlers = { [K in PrimaryMessage['type']]: (message: Extract<PrimaryMessage, { type: K }>) => void };

/**
 * Answers the primary: a drain, a metrics scrape, the answers and frames for `primary` (the
 * view that asked), and a fleet report when this process writes them (`report`).
 */
export function listenToPrimary(options: {
  readonly drain: () => void;
  readonly metrics: ProcessMetrics;
  readonly primary: PrimaryLink | undefined;
  readonly report?: Handlers['report'];
}): void {
  const { primary } = options;
  const handlers: Handlers = {
    drain: options.drain,
    collect: ({ id }) =>
      void options.metrics.registry
        .getMetricsAsJSON()
        .then((json) => sendToPrimary({ type: 'collected', id, metrics: json as MetricsJson })),
    answer: ({ id, body }) => primary?.answered(id, body),
    events: ({ events }) => primary?.events(events),
    status: ({ status }) => primary?.statusFrame(status),
    told: ({ topic, data }) => primary?.told(topic, data),
    report: options.report ?? (() => {}),
  };
  process.on('message', (message) => {
    if (!isPrimaryMessage(message)) return;
    (handlers[message.type] as (message: PrimaryMessage) => void)(message);
  });
}

/** Under a primary, once an interval: memory, the work done so far, CPU: the page's table and the memory budget. */
export function reportStats(done: () => number, intervalMs = DEFAULT_STATS_INTERVAL_MS): void {
  if (!cluster.isWorker) return;
  let lastCpu = process.cpuUsage();
  let lastAt = now();
  setInterval(() => {
    const rss = process.memoryUsage.rss();
    const cpu = process.cpuUsage(lastCpu);
    const at = now();
    // CPU microseconds over wall milliseconds, as a percentage of one core.
    const cpuPercent = Math.round((cpu.user + cpu.system) / (at - lastAt) / 10);
    lastCpu = process.cpuUsage();
    lastAt = at;
    sendToPrimary({ type: 'stats', rss, requests: done(), cpuPercent });
  }, intervalMs).unref();
}

/**
 * Opens the app's resources within the time the primary gives a process to be ready, so the
 * cause is ours to name: undefined once they are open, else why not (the one that failed).
 */
export async function openResources(
  resources: ResourceLifecycle,
  config: Pick<Config, 'workerReadyTimeoutMs'>,
  log: Logger,
): Promise<string | undefined> {
  try {
    await resources.openAll(config.workerReadyTimeoutMs * 0.9 - now());
    return undefined;
  } catch (err) {
    log.error('could not open a resource', {
      resource: (err as ResourceOpenError).resource,
      cause: (err as Error).message,
    });
    return (err as Error).message;
  }
}

export interface WayOut {
  /** Drains once, whoever asks first; a later call only raises the exit code. */
  stop(reason: string, code: number): Promise<void>;
  /**
   * Stops on a signal that reached this process itself: the primary hears of it first, since a
   * signal to the whole group may let this process finish before the primary sees its own copy.
   */
  stopOnSignal(signal: string): void;
  /** Tells the primary why the process could not start, so a crash loop can name it, then stops with 1. */
  failBoot(cause: string): void;
  readonly stopping: boolean;
}

/**
 * A serving or job-running process's one way out: `drain` (its own work, within `deadline`),
 * then the app's resources, then exit with the worst code asked for. `drain` answers 1 when it
 * had to cut work off. A last-resort timer exits should a step outlive its bound.
 */
export function wayOut(options: {
  readonly log: Logger;
  readonly deadlineMs: number;
  readonly resources: ResourceLifecycle;
  readonly health: { draining: boolean };
  readonly drain: (reason: string, deadline: number) => Promise<number>;
}): WayOut {
  const { log, deadlineMs, resources } = options;
  let stopping = false;
  let exitCode = 0;
  const stop = async (reason: string, code: number) => {
    exitCode = Math.max(exitCode, code);
    if (stopping) {
      log.info('already draining', { reason });
      return;
    }
    stopping = true;
    options.health.draining = true;
    const deadline = now() + deadlineMs;
    setTimeout(() => {
      log.error('shutdown deadline passed: exiting with work unfinished', { timeoutMs: deadlineMs });
      process.exit(1);
    }, deadlineMs + 1_000).unref();
    exitCode = Math.max(exitCode, await options.drain(reason, deadline));
    // After the last request or job, never before: a pool closed under a query in flight fails it.
    if (resources.size > 0 && !(await resources.closeAll(deadline))) exitCode = Math.max(exitCode, 1);
    process.exit(exitCode);
  };
  return {
    stop,
    stopOnSignal(signal) {
      if (!stopping) sendToPrimary({ type: 'stopping', signal });
      void stop(signal, 0);
    },
    failBoot: (cause) =>
      sendToPrimary({ type: 'failed', reason: cause }, () => {
        if (!stopping) void stop(cause, 1);
      }),
    get stopping() {
      return stopping;
    },
  };
}
