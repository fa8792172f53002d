// The two ways a serving process answers /api/cluster and /metrics: alone, from what it
// knows itself, or as a worker, by asking the primary, which sees every worker.

import type { Health } from '../http/health.ts';
import { type ProcessMetrics, renderClusterMetrics } from '../metrics/metrics.ts';
import type { WorkerPlan } from '../platform/concurrency.ts';
import { createCounters, createWindows, type WindowCount } from './counters.ts';
import type { ClusterEvent, ClusterEventKind, ControlAction } from './events.ts';
import { createFleet, type DynoReport, type FleetSetup, type FleetView } from './fleet.ts';
import { createJournal } from './journal.ts';
import type { Question, WorkerMessage } from './messages.ts';
import { type ClusterStatus, clusterStatus, type MetricsSnapshot, thisProcess } from './status.ts';
import { createWatchers, type WatchFrame } from './watchers.ts';

/** How the app reads cluster-wide facts without knowing whether a cluster exists. */
export interface ClusterView {
  status(): Promise<ClusterStatus>;
  /** Prometheus text, summed over every worker that answered. */
  metrics(): Promise<string>;
  /** Adds to a counter the whole dyno shares (held by the primary) and answers its total. */
  count(counter: string, add?: number): Promise<number>;
  /**
   * Adds to a count the whole dyno shares that starts again from 0 every `windowMs` (a fixed
   * window, opened by the key's first hit), and answers it with the time the window closes:
   * what a rate limit counts without Redis.
   */
  countInWindow(key: string, windowMs: number, add?: number): Promise<WindowCount>;
  /**
   * The supervisor's lifecycle events as they happen, the recent ones first, and the status
   * once a second. Nothing is sent, and nothing costs, while nobody watches. Returns `stop`.
   */
  watch(listener: (frame: WatchFrame) => void, after?: number): () => void;
  /** Asks the supervisor to act: development only (the primary refuses in production). */
  control(action: ControlAction): void;
  /**
   * Sends `data` to `topic`'s listeners in one worker (by id), or in every worker. A `note`
   * goes on the live page's timeline, as the reason the supervisor passed it on.
   */
  tell(topic: string, data: unknown, to?: number | 'all', note?: string): void;
  /** Runs `handler` for what any process tells `topic` (this one included). */
  listen(topic: string, handler: (data: unknown) => void): void;
}

/** What the serving process tells its view: the stream ends when it drains. */
export interface StreamingView extends ClusterView {
  endStreams(reason: string): void;
}

/** Listeners by topic, for `tell`: what another process (or this one) says reaches them here. */
function createTopics() {
  const topics = new Map<string, Set<(data: unknown) => void>>();
  return {
    listen(topic: string, handler: (data: unknown) => void) {
      topics.set(topic, (topics.get(topic) ?? new Set()).add(handler));
    },
    told(topic: string, data: unknown) {
      for (const handler of topics.get(topic) ?? []) handler(data);
    },
  };
}

const STATUS_INTERVAL_MS = 1_000;

export interface SingleProcessView extends StreamingView {
  /** Alone, this process is its own supervisor: its few events go on the timeline too. */
  record(kind: ClusterEventKind, why: string): void;
}

/** Alone, the process reports to the fleet itself: this writes the report and reads the fleet back. */
export type ReportToFleet = (dyno: DynoReport, events: readonly ClusterEvent[], leaving: boolean) => Promise<FleetView>;

export function singleProcessView(
  instance: string | null,
  plan: Pick<WorkerPlan, 'count' | 'source' | 'reason'>,
  metrics: ProcessMetrics,
  health: Health,
  memoryBudgetBytes: number,
  fleetSetup: FleetSetup & { readonly report?: ReportToFleet } = { redis: false, platform: 'unknown' },
): SingleProcessView {
  // Alone, this process is the whole dyno: its counters are the dyno's.
  const count = createCounters();
  const countInWindow = createWindows();
  const topics = createTopics();
  const journal = createJournal();
  let stopFeed: (() => void) | undefined;
  const watchers = createWatchers((on) => {
    stopFeed?.();
    stopFeed = undefined;
    if (!on) return;
    watchers.events(journal.since(0));
    const unsubscribe = journal.subscribe((event) => watchers.events([event]));
    const sendStatus = () => void view.status().then((s) => watchers.status(s));
    const timer = setInterval(sendStatus, STATUS_INTERVAL_MS).unref();
    sendStatus();
    stopFeed = () => {
      unsubscribe();
      clearInterval(timer);
    };
  });
  const dyno = () => {
    const { pid, uptimeSeconds, rssBytes } = thisProcess();
    return clusterStatus({ instance, plan, memoryBudgetBytes }, [
      {
        id: null,
        slot: 1,
        pid,
        state: health.draining ? 'draining' : 'ready',
        uptimeSeconds,
        rssBytes,
        requests: metrics.served(),
        cpuPercent: null,
        restarts: 0,
      },
    ]);
  };
  const fleet = createFleet({
    ...fleetSetup,
    journal,
    status: dyno,
    send: (report, events, leaving) =>
      void fleetSetup.report?.(report, events, leaving).then((view) => fleet.reported(view)),
  });
  const view: SingleProcessView = {
    status: async (): Promise<ClusterStatus> => ({ ...dyno(), fleet: fleet.view() }),
    metrics: () => metrics.registry.metrics(),
    count: async (counter, add = 0) => count(counter, add),
    countInWindow: async (key, windowMs, add = 1) => countInWindow(key, windowMs, add),
    watch: (listener, after) => watchers.add(listener, after),
    // Nobody to act on: with one process there is no supervisor. The page shows no buttons.
    control: () => {},
    tell: (topic, data, _to, note) => {
      if (note) journal.record('told', note, { pid: process.pid, slot: 1 });
      queueMicrotask(() => topics.told(topic, data));
    },
    listen: topics.listen,
    endStreams: (reason) => {
      fleet.leave();
      watchers.end(reason);
    },
    record: (kind, why) => void journal.record(kind, why, { pid: process.pid, slot: 1 }),
  };
  return view;
}

export interface PrimaryLink extends StreamingView {
  /** Feed it the primary's `answer` messages. */
  answered(id: number, body: unknown): void;
  /** And its `events`, `status` and `told` messages. */
  events(events: readonly ClusterEvent[]): void;
  statusFrame(status: ClusterStatus): void;
  told(topic: string, data: unknown): void;
}

/** Asks the primary over IPC; gives up after `timeoutMs`, so a request never hangs on it. */
export function viewThroughPrimary(
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
  const topics = createTopics();
  const watchers = createWatchers((on) => send({ type: 'watch', on }));
  return {
    status: () => ask('status') as Promise<ClusterStatus>,
    metrics: async () => renderClusterMetrics((await ask('metrics')) as MetricsSnapshot, instance),
    count: async (counter, add = 0) => (await ask({ counter, add })) as number,
    countInWindow: async (key, windowMs, add = 1) => (await ask({ window: key, windowMs, add })) as WindowCount,
    watch: (listener, after) => watchers.add(listener, after),
    control: (control) => send({ type: 'control', control }),
    tell: (topic, data, to = 'all', note) => send({ type: 'tell', topic, data, to, ...(note ? { note } : {}) }),
    listen: topics.listen,
    endStreams: (reason) => watchers.end(reason),
    answered: (id, body) => pending.get(id)?.(body),
    events: (events) => watchers.events(events),
    statusFrame: (status) => watchers.status(status),
    told: topics.told,
  };
}
