// The whole app on one page: with Redis, each dyno's primary has one of its workers write the
// dyno's report there every few seconds and read every other dyno's back (fleet/report.ts).
// The primary itself loads no npm package: it hands a worker the report and keeps what comes
// back. Each dyno sends the same few commands per interval however busy it is, and a dyno that
// stops reporting (SIGKILLed, its host gone) drops out of the view once its report expires.
import { NO_REDIS } from '../redis/settings.ts';
import type { ClusterEvent } from './events.ts';
import type { Journal } from './journal.ts';
import type { DynoReport, DynoStatus, FleetView } from './status.ts';

export type { DynoReport, FleetEvent, FleetView } from './status.ts';

/** How often each dyno reports. */
export const FLEET_INTERVAL_MS = 2_000;
/** A dyno's report lives this long in Redis: three missed reports, and it leaves the view. */
export const FLEET_STALE_MS = 3 * FLEET_INTERVAL_MS;

/** A dyno's name in the fleet: the platform's, else this primary's pid (a machine without one). */
const fleetName = (instance: string | null, pid: number) => instance ?? `pid ${pid}`;

function dynoReport(status: DynoStatus, platform: string, now = Date.now()): DynoReport {
  const workers = status.workers;
  return {
    instance: fleetName(status.instance, status.primary?.pid ?? workers[0]?.pid ?? process.pid),
    platform,
    mode: status.mode,
    workerCount: status.workerCount.count,
    workers: workers.map((w) => ({ slot: w.slot, state: w.state })),
    restarts: status.restarts,
    requests: workers.reduce((sum, w) => sum + w.requests, 0),
    rssBytes: (status.primary?.rssBytes ?? 0) + workers.reduce((sum, w) => sum + (w.rssBytes ?? 0), 0),
    at: now,
  };
}

export const oneDyno = (self: DynoReport, note: string): FleetView => ({
  shared: false,
  note,
  dynos: [self],
  events: [],
  staleAfterMs: FLEET_STALE_MS,
  intervalMs: FLEET_INTERVAL_MS,
});

/** Said on the page without Redis: why one dyno, and the one command that shows them all. */
const FLEET_WITHOUT_REDIS = `this dyno only: dynos see each other through Redis, and there is ${NO_REDIS}`;

/** What the runtime tells the fleet about this dyno's Redis and platform. */
export interface FleetSetup {
  /** Whether REDIS_URL is set: without it, nothing is sent. */
  readonly redis: boolean;
  readonly platform: string;
  readonly intervalMs?: number;
}

export interface FleetOptions extends FleetSetup {
  readonly journal: Pick<Journal, 'since'>;
  /** This dyno's status, without its fleet. */
  readonly status: () => DynoStatus;
  /**
   * Has the report written and the fleet read back (by a worker, or by the process that serves
   * alone), and hands what it read to `reported`.
   */
  readonly send: (dyno: DynoReport, events: readonly ClusterEvent[], leaving: boolean) => void;
}

export interface Fleet {
  /** What a worker read back from Redis. */
  reported(view: FleetView): void;
  /** The fleet as last read, or this dyno alone with the reason. */
  view(): FleetView;
  /** The dyno stops: its report is taken out now rather than left to expire. */
  leave(): void;
}

export function createFleet(options: FleetOptions): Fleet {
  const intervalMs = options.intervalMs ?? FLEET_INTERVAL_MS;
  let latest: FleetView | undefined;
  let latestAt = 0;
  let reportedSeq = 0;
  const report = (leaving: boolean) => {
    const events = options.journal.since(reportedSeq);
    reportedSeq = events.at(-1)?.seq ?? reportedSeq;
    options.send(dynoReport(options.status(), options.platform), events, leaving);
  };
  const timer = options.redis ? setInterval(() => report(false), intervalMs).unref() : undefined;
  return {
    reported(view) {
      latest = view;
      latestAt = Date.now();
    },
    view() {
      const self = dynoReport(options.status(), options.platform);
      if (!options.redis) return oneDyno(self, FLEET_WITHOUT_REDIS);
      if (latest === undefined)
        return oneDyno(self, `this dyno only, until its first report (every ${intervalMs / 1000} s)`);
      // A view older than a report's life is no view: the reporting worker went quiet.
      const age = Date.now() - latestAt;
      return age > FLEET_STALE_MS
        ? oneDyno(self, `this dyno only: no report has come back for ${Math.round(age / 1000)} s`)
        : latest;
    },
    leave() {
      clearInterval(timer);
      if (options.redis) report(true);
    },
  };
}
