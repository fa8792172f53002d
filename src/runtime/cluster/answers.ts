// What the primary answers a worker asking on behalf of a request: the status (/api/cluster),
// every worker's metrics (/metrics) and the counts the whole dyno shares. The primary never
// loads prom-client: it gathers each worker's registry as JSON, and the worker that asked sums
// and renders them.
import { now } from '../clock.ts';
import type { Logger } from '../log/log.ts';
import { createCounters, createWindows } from './counters.ts';
import type { FleetView } from './fleet.ts';
import type { Member, Send } from './member.ts';
import type { MetricsJson, Question } from './messages.ts';
import type { Reloads } from './reload.ts';
import type { Restarts } from './restarts.ts';
import {
  type ClusterStatus,
  clusterStatus,
  type DynoStatus,
  type MetricsSnapshot,
  type StatusSetup,
} from './status.ts';

export interface AnswerOptions {
  readonly setup: StatusSetup;
  /** How long a scrape waits for the workers; the slow ones are counted, not awaited. */
  readonly scrapeTimeoutMs: number;
  readonly log: Logger;
  readonly members: ReadonlyMap<number, Member>;
  readonly send: Send;
  readonly restarts: Pick<Restarts, 'of' | 'total'>;
  readonly reloads: Pick<Reloads, 'count'>;
  /** Every dyno, as this one last read it. */
  readonly fleet: () => FleetView;
}

export interface Answers {
  /** `m` asks on behalf of a request: the answer goes back to it under the same id. */
  ask(m: Member, id: number, question: Question): void;
  /** `m` sent its metrics for scrape `id`. */
  collected(m: Member, id: number, metrics: MetricsJson): void;
  status(): ClusterStatus;
  /** This dyno alone: what it reports to the fleet. */
  dyno(): DynoStatus;
}

export function createAnswers(options: AnswerOptions): Answers {
  const { log, members, restarts, reloads, scrapeTimeoutMs } = options;
  const count = createCounters();
  const countInWindow = createWindows();
  let nextScrapeId = 0;

  function dyno(): DynoStatus {
    const at = now();
    const workers = [...members.values()]
      .sort((a, b) => a.slot - b.slot || a.worker.id - b.worker.id)
      .map((m) => ({
        id: m.worker.id,
        slot: m.slot,
        pid: m.worker.process.pid,
        state: m.state,
        uptimeSeconds: m.readyAt === undefined ? 0 : Math.round((at - m.readyAt) / 1000),
        rssBytes: m.rss ?? null,
        requests: m.requests,
        cpuPercent: m.cpuPercent ?? null,
        restarts: restarts.of(m.slot),
      }));
    return clusterStatus(options.setup, workers, { restarts: restarts.total(), reloads: reloads.count });
  }

  const status = (): ClusterStatus => ({ ...dyno(), fleet: options.fleet() });

  /** Every serving worker's metrics. A worker that is slow or gone is counted, not awaited. */
  async function scrape(): Promise<MetricsSnapshot> {
    const id = ++nextScrapeId;
    const targets = [...members.values()].filter((m) => m.state === 'ready' || m.state === 'draining');
    log.debug('metrics scrape', { id, workers: targets.map((m) => m.worker.id) });
    const results = await Promise.all(targets.map((m) => collect(m, id)));
    const answered = results.filter((r): r is MetricsJson => r !== null);
    const missing = results.length - answered.length;
    if (missing > 0)
      log.warn('metrics scrape: some workers did not answer in time', { missing, timeoutMs: scrapeTimeoutMs });
    return {
      workers: answered,
      missing,
      restarts: restarts.total(),
      reloads: reloads.count,
      alive: members.size,
      primaryRssBytes: process.memoryUsage.rss(),
    };
  }

  /** One worker's metrics, or null once the scrape's time is up or the worker is gone. */
  function collect(m: Member, id: number): Promise<MetricsJson | null> {
    return new Promise((resolve) => {
      const done = (value: MetricsJson | null) => {
        clearTimeout(timer);
        m.collections.delete(id);
        resolve(value);
      };
      const timer = setTimeout(() => done(null), scrapeTimeoutMs);
      m.collections.set(id, done);
      options.send(m, { type: 'collect', id });
    });
  }

  const answer = (question: Question): Promise<unknown> =>
    typeof question === 'object'
      ? Promise.resolve(
          'counter' in question
            ? count(question.counter, question.add)
            : countInWindow(question.window, question.windowMs, question.add),
        )
      : question === 'status'
        ? Promise.resolve(status())
        : scrape();

  return {
    ask(m, id, question) {
      void answer(question).then(
        (body) => options.send(m, { type: 'answer', id, body }),
        (err: unknown) => log.error('could not answer a worker', { question, err }),
      );
    },
    collected: (m, id, metrics) => m.collections.get(id)?.(metrics),
    status,
    dyno,
  };
}
