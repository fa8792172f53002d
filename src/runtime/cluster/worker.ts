// A process that serves the app: a cluster worker (the primary forks this file), or the
// only process when there is one worker (start.ts imports it). Either way it drains once,
// whichever asks first: SIGTERM, SIGINT, the primary's `drain` message, or a fatal error.
import cluster from 'node:cluster';
import type { RequestListener } from 'node:http';
import { type AppDeps, createApp } from '../../app/app.ts';
import { type Config, loadConfig } from '../config.ts';
import { type RunningServer, serve } from '../http/server.ts';
import type { ProcessIdentity } from '../identity.ts';
import { processLogger } from '../log/log.ts';
import { createProcessMetrics } from '../metrics/metrics.ts';
import type { WorkerPlan } from '../platform/concurrency.ts';
import { onSignals } from '../signals.ts';
import { surfacesOf } from '../surfaces.ts';
import { isPrimaryMessage, type MetricsJson, type PrimaryMessage, type WorkerMessage } from './messages.ts';
import { primaryView, singleProcessView } from './views.ts';

export interface WorkerOptions {
  /** How the worker count was chosen; only a single process reports it itself. */
  readonly plan?: Pick<WorkerPlan, 'count' | 'source' | 'reason'>;
  /** How often a cluster worker reports its memory and request count to the primary. */
  readonly statsIntervalMs?: number;
  /** The app to serve; test fixtures wrap the real one in a faulty one. */
  readonly app?: (deps: AppDeps) => RequestListener;
}

export const DEFAULT_STATS_INTERVAL_MS = 1_000;

// With a callback, a write to a primary that has just died fails there instead of as an
// 'error' event nobody listens to; the channel's 'disconnect' then ends this worker.
function send(message: WorkerMessage, callback: () => void = () => {}): void {
  if (process.send && process.connected) process.send(message, undefined, {}, () => callback());
  else callback();
}

export async function runWorker(config: Config, options: WorkerOptions = {}): Promise<void> {
  const identity: ProcessIdentity = {
    pid: process.pid,
    workerId: cluster.worker?.id ?? null,
    dyno: config.dyno,
  };
  const log = processLogger(config, identity.workerId === null ? 'app' : `worker ${identity.workerId}`);
  const health = { draining: false };
  const metrics = createProcessMetrics(identity.dyno);
  const primary = cluster.isWorker ? primaryView(send, identity.dyno) : undefined;
  const view =
    primary ??
    singleProcessView(
      identity.dyno,
      options.plan ?? { count: 1, source: 'WEB_CONCURRENCY', reason: 'single process' },
      metrics,
      health,
    );
  let server: RunningServer | undefined;
  let stopping = false;
  let exitCode = 0;

  const stop = async (reason: string, code: number) => {
    exitCode = Math.max(exitCode, code);
    if (stopping) {
      log.info('already draining', { reason });
      return;
    }
    stopping = true;
    health.draining = true;
    if (!server) {
      log.info('stopping before listening', { reason });
      process.exit(exitCode);
    }
    const started = performance.now();
    log.info('draining', { reason, inFlight: server.inFlight() });
    const running = server;
    // The primary has the same deadline; this one covers a worker draining on its own
    // (an uncaught error) and the single-process mode.
    setTimeout(() => {
      log.error('shutdown deadline passed: closing connections still in flight', {
        inFlight: running.inFlight(),
        timeoutMs: config.shutdownTimeoutMs,
      });
      running.destroy();
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    await running.close();
    log.info('drained', { ms: Math.round(performance.now() - started), exitCode });
    process.exit(exitCode);
  };

  const fromPrimary: { [K in PrimaryMessage['type']]: (message: Extract<PrimaryMessage, { type: K }>) => void } = {
    drain: () => void stop('asked by the primary', 0),
    collect: ({ id }) =>
      void metrics.registry
        .getMetricsAsJSON()
        .then((json) => send({ type: 'collected', id, metrics: json as MetricsJson })),
    answer: ({ id, body }) => primary?.answered(id, body),
  };
  process.on('message', (message) => {
    if (!isPrimaryMessage(message)) return;
    (fromPrimary[message.type] as (message: PrimaryMessage) => void)(message);
  });

  onSignals({
    shutdown: (signal) => void stop(signal, 0),
    force: (signal) => {
      log.warn('forced exit: requests in flight are cut off', { signal });
      process.exit(130);
    },
    // In a cluster the primary reloads; a worker only shrugs off the group's SIGHUP.
    reload: () => {
      if (identity.workerId === null) log.warn('SIGHUP ignored: a rolling reload needs 2 or more workers');
    },
  });
  process.on('uncaughtException', (err) => {
    log.error('uncaught exception: no new connections, finishing in-flight requests, then exit 1', { err });
    void stop('uncaught exception', 1);
  });

  const deps: AppDeps = {
    identity,
    health,
    production: config.nodeEnv === 'production',
    surfaces: surfacesOf(config),
    log,
    metrics,
    cluster: view,
  };
  try {
    server = await serve((options.app ?? createApp)(deps), { port: config.port });
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException;
    log.error('could not listen', { port: config.port, err });
    send({ type: 'failed', reason: `${code ?? 'error'}: ${message}` }, () => process.exit(1));
    return;
  }
  log.info('listening', { port: server.port });
  send({ type: 'ready', port: server.port });

  if (cluster.isWorker) {
    setInterval(() => {
      const { rss, heapUsed } = process.memoryUsage();
      send({ type: 'stats', rss, heapUsed, requests: metrics.served() });
    }, options.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS).unref();
  }
}

if (import.meta.main) await runWorker(loadConfig(process.env));
