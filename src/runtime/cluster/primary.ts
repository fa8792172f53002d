// The supervisor. It imports nothing of the app, so its memory stays small and a broken
// route cannot take it down. Each worker's state only moves forward:
// starting -> ready -> draining -> exited (a worker may also exit from any state).
import cluster from 'node:cluster';
import { now } from '../clock.ts';
import type { Logger } from '../log/log.ts';
import type { WorkerPlan } from '../platform/concurrency.ts';
import { createAnswers } from './answers.ts';
import { type Backoff, DEFAULT_BACKOFF } from './backoff.ts';
import { createControls } from './controls.ts';
import { createFeed } from './feed.ts';
import { createFleet, type FleetSetup } from './fleet.ts';
import { createJournal } from './journal.ts';
import { about, ids, type Member, newMember, type Phase, sender, type WorkerLike } from './member.ts';
import { isWorkerMessage, WORKERS_ENV, type WorkerMessage } from './messages.ts';
import { createReloads } from './reload.ts';
import { createRestarts } from './restarts.ts';
import { sayer, seconds, since } from './say.ts';
import { createShutdown } from './shutdown.ts';

export type { WorkerLike } from './member.ts';

export interface PrimaryOptions {
  /** The file each worker runs; by default the entry itself, as node:cluster forks it. */
  readonly exec?: string;
  /** The platform's name for this instance, for /api/cluster. */
  readonly instance: string | null;
  readonly workers: number;
  /** How the count was chosen, for /api/cluster. */
  readonly plan: Pick<WorkerPlan, 'count' | 'source' | 'reason'>;
  readonly log: Logger;
  readonly shutdownTimeoutMs: number;
  readonly readyTimeoutMs: number;
  /** A worker whose RSS passes this is replaced the rolling way. */
  readonly memoryBudgetBytes: number;
  readonly backoff?: Backoff;
  /** Consecutive workers that die before they are ready, after which the primary gives up. */
  readonly crashLoopLimit?: number;
  /** A worker up this long has proven the deploy works: the restart backoff starts over. */
  readonly stableAfterMs?: number;
  /** How long a metrics scrape waits for the workers; the slow ones are counted, not awaited. */
  readonly scrapeTimeoutMs?: number;
  /**
   * Whether a worker may ask the supervisor to kill a worker or reload (the live page's buttons).
   * Off in production, whatever the app does: a route mounted by mistake still cannot act.
   */
  readonly controls?: boolean;
  /** How often watchers get the status; nobody watching, nothing is sent. */
  readonly statusIntervalMs?: number;
  /** Whether dynos report to Redis, and as which platform: without it, the fleet is this dyno. */
  readonly fleet?: FleetSetup;
  /** Starts a worker process: node:cluster's fork (over `exec`) unless a test hands in fakes. */
  readonly fork?: (env: Readonly<Record<string, string>>) => WorkerLike;
}

export interface Supervisor {
  /** Drain every worker and exit; idempotent. */
  shutdown(reason: string): void;
  /** Kill every worker now. */
  force(): void;
  /** Replace the workers one at a time, without dropping a request. */
  reload(reason?: string): void;
  /** Resolves with the exit code once every worker is gone. */
  readonly exited: Promise<number>;
}

/** How long a worker's exit on a signal of its own waits for the primary's copy of the signal. */
const GROUP_SIGNAL_GRACE_MS = 500;

type Handlers = { [K in WorkerMessage['type']]: (m: Member, message: Extract<WorkerMessage, { type: K }>) => void };

/** node:cluster's fork, each worker running `exec`. */
function clusterFork(exec: string | undefined): (env: Readonly<Record<string, string>>) => WorkerLike {
  cluster.setupPrimary(exec === undefined ? {} : { exec });
  return (env) => cluster.fork(env);
}

/** The timeline's sentence for a worker's exit: who asked, or what it says of the worker. */
function whyExited(m: Member, how: string, expected: boolean, code: number | null, uptimeMs: number): string {
  if (expected)
    return `${how}, as asked (${m.retiredFor ?? 'shutdown'})${code === 0 ? ': it finished its requests first' : ''}`;
  if (m.killRequested)
    return `${how}, as asked from the page: to the supervisor that is a crash like any other, so its slot gets a new worker`;
  if (m.readyAt !== undefined)
    return `${how} after ${seconds(uptimeMs)} up, and nobody asked it to: its slot gets a new worker`;
  return `${how} before it was ready${m.failure ? ` (${m.failure})` : ''}`;
}

/** The timeline's sentence for a worker's ready: its server listens, or, a job runner, it takes jobs or waits to. */
function whyReady(message: Extract<WorkerMessage, { type: 'ready' }>, ms: number): string {
  if (message.port !== 0) return `listening ${ms} ms after its fork: from now on it takes connections`;
  if (message.waiting)
    return `up ${ms} ms after its fork, though the job queue does not answer yet: it takes jobs once it does`;
  return `taking jobs ${ms} ms after its fork`;
}

export function startPrimary(options: PrimaryOptions): Supervisor {
  const { log, workers: target } = options;
  const journal = createJournal();
  const say = sayer(log, journal);
  const send = sender(log);
  const members = new Map<number, Member>();
  const newWorker = options.fork ?? clusterFork(options.exec);
  const bootStarted = now();
  let phase: Phase = 'booting';
  const serving = () => [...members.values()].filter((m) => m.state === 'ready' && !m.retiring);

  const base = { log, say, send, members };
  const restarts = createRestarts({
    ...base,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    crashLoopLimit: options.crashLoopLimit ?? 5,
    stableAfterMs: options.stableAfterMs ?? 10_000,
    fork: (slot, why) => void fork(slot, why),
    giveUp: (cause) => stop(`crash loop (${cause})`, 1),
  });
  const reloads = createReloads({
    ...base,
    memoryBudgetBytes: options.memoryBudgetBytes,
    phase: () => phase,
    serving,
    fork: (slot, why) => fork(slot, why, true),
    retire,
  });
  const answers = createAnswers({
    ...base,
    setup: options,
    scrapeTimeoutMs: options.scrapeTimeoutMs ?? 1_000,
    restarts,
    reloads,
    fleet: () => fleet.view(),
  });
  // One worker reports for the dyno: the first ready one by slot, which changes only when it goes.
  const fleet = createFleet({
    ...(options.fleet ?? { redis: false, platform: 'unknown' }),
    journal,
    status: answers.dyno,
    send(dyno, events, leaving) {
      const reporter = serving().sort((a, b) => a.slot - b.slot)[0];
      if (reporter) send(reporter, { type: 'report', dyno, events, leaving });
    },
  });
  const feed = createFeed({ ...base, journal, status: answers.status, intervalMs: options.statusIntervalMs ?? 1_000 });
  const controls = createControls({
    ...base,
    enabled: options.controls ?? false,
    reload: (why) => void reloads.reload(why),
  });
  const shutdown = createShutdown({ ...base, timeoutMs: options.shutdownTimeoutMs, retire });

  const handlers: Handlers = {
    ready(m, message) {
      m.state = 'ready';
      m.readyAt = now();
      restarts.ready();
      m.ready.resolve(true);
      const ms = since(m.forkedAt);
      say(
        'info',
        'worker ready',
        // A job runner listens on no port: it reports 0.
        {
          ...ids(m),
          ...(message.port === 0 ? {} : { port: message.port }),
          ...(message.waiting && { waiting: 'for the job queue' }),
          ms,
        },
        'ready',
        whyReady(message, ms),
        { ...about(m), details: { bootMs: ms } },
      );
      if (phase === 'booting' && serving().length === target) {
        phase = 'running';
        say(
          'info',
          'cluster ready',
          { workers: target, ...(message.port === 0 ? {} : { port: message.port }), ms: since(bootStarted) },
          'cluster-ready',
          message.port === 0
            ? `all ${target} runners take jobs, ${since(bootStarted)} ms after boot`
            : `all ${target} workers listen on port ${message.port}, ${since(bootStarted)} ms after boot`,
        );
      }
    },
    failed(m, message) {
      m.failure = message.reason;
    },
    stopping(m, message) {
      m.signalled = message.signal;
    },
    stats(m, message) {
      m.rss = message.rss;
      m.requests = message.requests;
      m.cpuPercent = message.cpuPercent;
      reloads.checkMemory(m);
    },
    ask: (m, message) => answers.ask(m, message.id, message.question),
    collected: (m, message) => answers.collected(m, message.id, message.metrics),
    watch: (m, message) => feed.watch(m, message.on),
    control: (_m, message) => controls.control(message.control),
    tell: (_m, message) => controls.tell(message),
    fleet: (_m, message) => fleet.reported(message.fleet),
  };

  function fork(slot: number, why: string, replacement = false): Member {
    const worker = newWorker({ [WORKERS_ENV]: String(target) });
    const m = newMember(worker, slot, replacement);
    members.set(worker.id, m);
    // A reload's fork at info, beside its other lines; the boot's and a restart's at debug, as
    // the lines before them already say why.
    say(
      replacement ? 'info' : 'debug',
      replacement ? 'replacement started' : 'worker forked',
      { ...ids(m), slot },
      'forked',
      why,
      about(m),
    );
    const readyTimer = setTimeout(() => {
      if (m.state !== 'starting') return;
      m.failure = `not ready within ${options.readyTimeoutMs} ms`;
      say(
        'error',
        'worker not ready in time: killing it',
        { ...ids(m), timeoutMs: options.readyTimeoutMs },
        'not-ready-in-time',
        `not listening ${seconds(options.readyTimeoutMs)} after its fork (WORKER_READY_TIMEOUT): killed, and counted as a failed start`,
        about(m),
      );
      worker.process.kill('SIGKILL');
    }, options.readyTimeoutMs);
    // Without a listener, an 'error' (a failed fork, a failed IPC write) would crash the supervisor.
    worker.on('error', (err: Error) => log.error('worker process error', { ...ids(m), err }));
    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      const handle = handlers[message.type] as (m: Member, message: WorkerMessage) => void;
      handle(m, message);
    });
    worker.on('exit', (code: number | null, signal: string | null) => {
      clearTimeout(readyTimer);
      // A signal to the dyno's process group (the platform's SIGTERM, a Ctrl-C) reaches every
      // process at once, and a busy machine may run a worker's whole drain before the primary
      // hears its own copy: such an exit is judged a moment later, once the primary knows
      // whether it is stopping. A worker signalled alone is still replaced, that moment later.
      if (m.signalled !== undefined && code === 0 && phase !== 'stopping' && !m.retiring)
        setTimeout(() => onExit(m, code, signal), GROUP_SIGNAL_GRACE_MS);
      else onExit(m, code, signal);
    });
    return m;
  }

  function retire(m: Member, why: string): void {
    m.retiring = true;
    m.retiredFor = why;
    if (m.state === 'ready' && m.worker.isConnected()) {
      m.state = 'draining';
      send(m, { type: 'drain' });
    } else {
      // Not listening yet: there is nothing to drain.
      m.worker.process.kill('SIGTERM');
    }
  }

  function onExit(m: Member, code: number | null, signal: string | null): void {
    const everReady = m.readyAt !== undefined;
    m.state = 'exited';
    members.delete(m.worker.id);
    m.ready.resolve(false);
    m.gone.resolve();
    for (const done of m.collections.values()) done(null);
    if (m.watching) feed.changed();
    const expected = m.retiring || phase === 'stopping';
    const uptimeMs = m.readyAt === undefined ? 0 : since(m.readyAt);
    const how = signal ? `killed by ${signal}` : `exit code ${code}`;
    say(
      expected ? 'info' : 'warn',
      'worker exited',
      { ...ids(m), code, signal, expected, uptimeMs },
      'exited',
      whyExited(m, how, expected, code, uptimeMs),
      { ...about(m), details: { code, signal, expected, uptimeMs } },
    );
    if (phase === 'stopping') {
      // A worker stopped before it listened can die of the SIGTERM retire() sent it, when it
      // comes before its own handlers exist: it had nothing to drain, so nothing was cut off.
      shutdown.gone(signal === 'SIGTERM' && !everReady && m.retiring ? 0 : code);
      return;
    }
    // Retired by a reload or the memory budget, or a replacement that never came up:
    // replace() already knows, and the old worker still serves.
    if (expected || (m.replacement && !everReady)) return;

    restarts.died(m, how, uptimeMs);
  }

  function stop(reason: string, code = 0): void {
    if (phase === 'stopping') {
      log.info('already shutting down', { reason });
      return;
    }
    phase = 'stopping';
    restarts.cancel();
    // Before the drain, while the reporting worker still serves: the dyno leaves the fleet view
    // now, not when its report expires (if Redis answers before the worker closes its client).
    fleet.leave();
    shutdown.begin(reason, code);
  }

  for (let slot = 1; slot <= target; slot += 1) fork(slot, `slot ${slot}: one of the ${target} workers at boot`);

  return {
    shutdown: (reason) => stop(reason),
    force: () => shutdown.force(),
    reload: (reason = 'SIGHUP') => void reloads.reload(reason),
    exited: shutdown.exited,
  };
}
