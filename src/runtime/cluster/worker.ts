// A process that serves the app: a cluster worker, or the only process when there is one
// worker. boot.ts hands it the app the entry loaded. It opens the app's resources
// before it listens, and drains once, whichever asks first: SIGTERM, SIGINT, the primary's
// `drain` message, or a fatal error; the resources close after the last request.
import cluster from 'node:cluster';
import { createAppContext } from '../app-context.ts';
import { now } from '../clock.ts';
import type { Config } from '../config.ts';
import { type RunningServer, serve } from '../http/server.ts';
import type { ProcessIdentity } from '../identity.ts';
import { processLogger } from '../log/log.ts';
import { createProcessMetrics } from '../metrics/metrics.ts';
import type { WorkerPlan } from '../platform/concurrency.ts';
import { platformById } from '../platform/platforms.ts';
import { configParts } from '../process-context.ts';
import { appRedis } from '../redis/client.ts';
import { keyPrefixOf } from '../redis/settings.ts';
import { createResources } from '../resources.ts';
import { FORCEABLE, onSignals } from '../signals.ts';
import type { AppFactory } from '../types.ts';
import {
  drainDeadlineMs,
  listenToPrimary,
  openResources,
  reportStats,
  sendToPrimary as send,
  wayOut,
} from './child.ts';
import type { DynoReport } from './status.ts';
import { type ReportToFleet, singleProcessView, viewThroughPrimary } from './views.ts';

export interface WorkerOptions {
  /** The app to serve: the entry's createApp, or a test fixture's. */
  // biome-ignore lint/suspicious/noExplicitAny: each app reads its own variables' type.
  readonly app: AppFactory<any>;
  /** The app's variables, parsed by the entry: ctx.config.vars. */
  readonly vars?: Readonly<Record<string, unknown>>;
  /** How the worker count was chosen; only a single process reports it itself. */
  readonly plan?: Pick<WorkerPlan, 'count' | 'source' | 'reason' | 'webMemoryMb'>;
  /** How often a cluster worker reports its memory and request count to the primary. */
  readonly statsIntervalMs?: number;
}

const MB = 1024 * 1024;

/** The end of the deadline kept for the app's resources to close, when it has any. */
const CLOSE_RESERVE_MS = 2_000;

/** Why listen() failed, for the errors a person can act on; the rest keep their stack. */
const LISTEN_FAILURES: Readonly<Record<string, (port: number) => string>> = {
  EADDRINUSE: (port) => `port ${port} is in use by another process (PORT sets the port)`,
  EACCES: (port) => `port ${port} needs privileges this process lacks (PORT sets the port: one above 1023)`,
};

export async function runWorker(config: Config, options: WorkerOptions): Promise<void> {
  const identity: ProcessIdentity = {
    pid: process.pid,
    workerId: cluster.worker?.id ?? null,
    instance: config.instance,
  };
  const log = processLogger(config, identity.workerId === null ? 'app' : `worker ${identity.workerId}`);
  const health = { draining: false };
  const metrics = createProcessMetrics(identity.instance);
  const resources = createResources(log);
  const primary = cluster.isWorker ? viewThroughPrimary(send, identity.instance) : undefined;
  const plan = options.plan ?? { count: 1, source: 'WEB_CONCURRENCY', reason: 'single process', webMemoryMb: 512 };
  // Loaded on the first report, by the one process of the dyno that writes them. The last one
  // (the dyno leaving) must reach Redis before the app's client closes: stop() waits for it.
  let reporting: Promise<unknown> = Promise.resolve();
  /** The dyno's last report, when this worker is the one that writes them. */
  let reported: DynoReport | undefined;
  const report: ReportToFleet = (dyno, events, leaving) => {
    const sent = import('../fleet/report.ts').then((m) =>
      m.reportThrough(appRedis(resources), keyPrefixOf(config.redis), dyno, events, leaving),
    );
    reporting = sent;
    return sent;
  };
  const fleet = { redis: config.redis !== null, platform: platformById(config.platform).name };
  const alone = primary
    ? undefined
    : singleProcessView(identity.instance, plan, metrics, health, plan.webMemoryMb * MB, { ...fleet, report });
  const view = primary ?? (alone as NonNullable<typeof alone>);
  const deadlineMs = drainDeadlineMs(config);
  let server: RunningServer | undefined;
  // Every way out comes here once: the HTTP drain, then the app's resources, then exit.
  const out = wayOut({
    log,
    deadlineMs,
    resources,
    health,
    async drain(reason, deadline) {
      alone?.record('shutdown-started', `${reason}: this process stops taking connections and finishes its requests`);
      const started = now();
      let cutOff = 0;
      if (server) {
        log.info('draining', { reason, inFlight: server.inFlight() });
        const running = server;
        const reserve = resources.size === 0 ? 0 : Math.min(CLOSE_RESERVE_MS, deadlineMs / 5);
        const cut = setTimeout(
          () => {
            log.error('shutdown deadline passed: closing connections still in flight', {
              inFlight: running.inFlight(),
              timeoutMs: config.shutdown.ms,
            });
            cutOff = 1;
            running.destroy();
          },
          deadline - reserve - now(),
        );
        // Stop accepting first, then end the live pages' streams (they would hold the drain open
        // to the deadline): a page reconnecting at once must not be handed to this worker, which
        // the primary stops doing only once it hears of the close. A connection handed to a
        // worker that then exits before taking it is lost.
        const closed = running.close();
        view.endStreams(`worker ${identity.workerId ?? 'process'} is draining (${reason})`);
        await closed;
        clearTimeout(cut);
        log.info('drained', { ms: Math.round(now() - started), exitCode: cutOff });
      } else {
        view.endStreams(`stopping before listening (${reason})`);
        log.info('stopping before listening', { reason });
      }
      // Bounded: each of its two round trips fails past the client's command timeout.
      await reporting;
      return cutOff;
    },
  });
  const stop = out.stop;

  listenToPrimary({
    drain: () => void stop('asked by the primary', 0),
    metrics,
    primary,
    report: ({ dyno, events, leaving }) => {
      reported = leaving ? undefined : dyno;
      void report(dyno, events, leaving).then((view) => send({ type: 'fleet', fleet: view }));
    },
  });

  onSignals({
    shutdown: (signal) => {
      // The platform signals every process of the dyno at once (Heroku), so the primary's own
      // leaving report may come too late for this worker: the reporter takes the dyno out itself.
      if (reported && !out.stopping) void report({ ...reported, at: Date.now() }, [], true);
      reported = undefined;
      out.stopOnSignal(signal);
    },
    force: (signal) => {
      log.warn('forced exit: requests in flight are cut off', { signal });
      process.exit(130);
    },
    forceable: () => log.debug(FORCEABLE),
    // In a cluster the primary reloads; a worker only shrugs off the group's SIGHUP.
    reload: () => {
      if (identity.workerId === null) log.warn('SIGHUP ignored: a rolling reload needs 2 or more workers');
    },
  });
  process.on('uncaughtException', (err) => {
    log.error('uncaught exception: no new connections, finishing in-flight requests, then exit 1', { err });
    void stop('uncaught exception', 1);
  });

  const { failBoot } = out;

  const ctx = createAppContext({
    ...configParts(config, options.vars),
    identity,
    log,
    metrics,
    resources,
    health,
    cluster: view,
    proxyHops: config.proxy.hops,
  });
  let handler: ReturnType<typeof options.app>;
  try {
    handler = options.app(ctx);
  } catch (err) {
    // A bug in createApp fails every worker alike: the crash loop's line says which.
    log.error('createApp failed', { err });
    failBoot(`createApp threw: ${(err as Error).message}`);
    return;
  }
  const unopened = await openResources(resources, config, log);
  if (unopened !== undefined) {
    failBoot(unopened);
    return;
  }
  if (out.stopping) return;
  try {
    server = await serve(handler, { port: config.port });
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    const known = code === undefined ? undefined : LISTEN_FAILURES[code];
    if (known) {
      // The machine's doing, said in one line: a stack trace would bury it, once per restart.
      log.error(`could not listen: ${known(config.port)}`, { port: config.port, code });
      failBoot(`${code}: ${known(config.port)}`);
    } else {
      log.error('could not listen', { port: config.port, err });
      failBoot(`${code ?? 'error'}: ${message}`);
    }
    return;
  }
  // A signal while listen() was under way: stop() is already on its way out.
  if (out.stopping) return;
  log.info('listening', { port: server.port });
  send({ type: 'ready', port: server.port });
  alone?.record(
    'ready',
    `listening ${Math.round(now())} ms after start, alone: with one worker there is no cluster to supervise`,
  );

  reportStats(() => metrics.served(), options.statsIntervalMs);
}
