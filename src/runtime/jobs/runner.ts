// A process of the worker process type (`node worker.ts`): it runs the app's jobs from the
// queue, as a web worker serves requests. A cluster worker of its own primary, or the only
// process with one runner. It opens the app's resources before it takes a job, and drains once,
// whichever asks first (SIGTERM, SIGINT, the primary's `drain`, a fatal error): no new job is
// taken, the running ones may finish until the deadline nears, then each goes back to the queue
// (logged with its id) for another runner to run again. The resources close after that.
import cluster from 'node:cluster';
import type { Job, Worker } from 'bullmq';
import type { RedisClientType } from 'redis';
import { now } from '../clock.ts';
import {
  drainDeadlineMs,
  listenToPrimary,
  openResources,
  reportStats,
  sendToPrimary as send,
  wayOut,
} from '../cluster/child.ts';
import { singleProcessView, viewThroughPrimary } from '../cluster/views.ts';
import type { Config } from '../config.ts';
import type { ProcessIdentity } from '../identity.ts';
import { processLogger } from '../log/log.ts';
import { createProcessMetrics } from '../metrics/metrics.ts';
import type { WorkerPlan } from '../platform/concurrency.ts';
import { configParts, createProcessContext } from '../process-context.ts';
import { NO_REDIS } from '../redis/settings.ts';
import { createResources, RESOURCE_TIMING } from '../resources.ts';
import { FORCEABLE, onSignals } from '../signals.ts';
import type { ProcessContext } from '../types.ts';
import type { AnyJob } from './define.ts';
import { QUEUE_NAME } from './queue.ts';
import { RunningJob } from './running-job.ts';
import { syncSchedules } from './schedules.ts';

/** What worker.ts hands the runtime: the app's jobs, and the resources their handlers use. */
export interface JobsEntry {
  readonly jobs: readonly AnyJob[];
  readonly resources: (ctx: ProcessContext) => unknown;
}

export interface RunnerOptions {
  /** Loads the app's jobs (worker.ts's loadJobs): a definition that throws fails the boot with its message. */
  readonly entry: () => Promise<JobsEntry>;
  readonly vars?: Readonly<Record<string, unknown>>;
  /** How the count was chosen; only a runner alone reports it itself. */
  readonly plan?: Pick<WorkerPlan, 'count' | 'source' | 'reason' | 'webMemoryMb'>;
}

const MB = 1024 * 1024;
/** Kept at the end of the deadline for the jobs to go back to the queue and the resources to close. */
const RETURN_RESERVE_MS = 2_000;

/** The job names, each once: two jobs of one name would run each other's payloads. */
function byName(jobs: readonly AnyJob[]): Map<string, AnyJob> {
  const map = new Map<string, AnyJob>();
  for (const job of jobs) {
    if (map.has(job.name))
      throw new Error(`two jobs are named "${job.name}" in src/app/jobs/index.ts: names must be unique`);
    map.set(job.name, job);
  }
  return map;
}

export async function runRunner(config: Config, options: RunnerOptions): Promise<void> {
  const identity: ProcessIdentity = {
    pid: process.pid,
    workerId: cluster.worker?.id ?? null,
    instance: config.instance,
  };
  const name = identity.workerId === null ? 'runner' : `runner ${identity.workerId}`;
  const log = processLogger(config, name);
  const health = { draining: false };
  // Nobody scrapes a runner: web's /metrics reads the queue from Redis (jobs/metrics.ts).
  const metrics = createProcessMetrics(identity.instance, { defaults: false });
  const resources = createResources(log, RESOURCE_TIMING, 'worker');
  const plan = options.plan ?? { count: 1, source: 'JOB_PROCESSES', reason: 'single process', webMemoryMb: 512 };
  const primary = cluster.isWorker ? viewThroughPrimary(send, identity.instance) : undefined;
  const view = primary ?? singleProcessView(identity.instance, plan, metrics, health, plan.webMemoryMb * MB);
  const deadlineMs = drainDeadlineMs(config);
  let worker: Worker | undefined;
  let client: RedisClientType | undefined;
  // Whether the queue's connection is down, and the drain's wait to hear it go.
  let lost = false;
  let onLost: (() => void) | undefined;
  let done = 0;
  // The jobs running, for the drain to stop each itself. So a job costs no AbortController
  // and no listener unless its handler reads `signal` (BullMQ makes one per job only for a
  // processor that takes a third parameter): their listeners cost a trivial job a tenth of its CPU.
  const runs = new Set<RunningJob<unknown>>();

  const out = wayOut({
    log,
    deadlineMs,
    resources,
    health,
    async drain(reason, deadline) {
      const started = now();
      let away = false;
      if (worker) {
        const running = worker;
        log.info('draining: no new jobs; the running ones may finish', { reason });
        // close() stops fetching at once and waits for the jobs running, with no bound of its own
        // (docs.bullmq.io/guide/workers/graceful-shutdown): near the deadline they are told to stop,
        // and each goes back to the queue rather than be killed with the process.
        const cut = setTimeout(
          () => {
            log.warn('shutdown deadline near: jobs still running go back to the queue', {
              timeoutMs: config.shutdown.ms,
            });
            for (const run of runs) run.end({ reason: new Error('the runner is stopping'), stopped: true });
          },
          Math.max(0, deadline - RETURN_RESERVE_MS - now()),
        );
        // With the queue's Redis away, close() would wait for it, up to the deadline and the
        // kill: nothing can go back to the queue then, and each job running is retried once its
        // lock expires, so the runner stops without it.
        const gone = lost
          ? Promise.resolve(true)
          : new Promise<boolean>((resolve) => {
              onLost = () => resolve(true);
            });
        away = await Promise.race([running.close(lost).then(() => false), gone]);
        onLost = undefined;
        clearTimeout(cut);
        if (away)
          log.warn(
            'the job queue does not answer: stopping without it; jobs still running are retried once their locks expire',
            { host: config.redis?.host, ms: Math.round(now() - started) },
          );
        else log.info('drained', { ms: Math.round(now() - started) });
      } else log.info('stopping before taking jobs', { reason });
      view.endStreams(`${name} is draining (${reason})`);
      // The worker's own client: BullMQ closes the blocking one it made from it, not this one.
      // With Redis away, a close would wait on it too.
      if (away) client?.destroy();
      else await client?.close().catch(() => client?.destroy());
      return 0;
    },
  });
  const { stop, failBoot } = out;

  // A worker dyno does not report to the fleet: its primary never asks.
  listenToPrimary({ drain: () => void stop('asked by the primary', 0), metrics, primary });
  onSignals({
    shutdown: (signal) => out.stopOnSignal(signal),
    force: (signal) => {
      log.warn('forced exit: the jobs running return to the queue once their lock expires', { signal });
      process.exit(130);
    },
    forceable: () => log.debug(FORCEABLE),
    reload: () => {},
  });
  process.on('uncaughtException', (err) => {
    log.error('uncaught exception: no new jobs, the running ones back to the queue, then exit 1', { err });
    void stop('uncaught exception', 1);
  });

  if (config.redis === null) {
    log.error(`the worker process type needs Redis, where the jobs wait: ${NO_REDIS}`);
    failBoot('no REDIS_URL');
    return;
  }
  const redis = config.redis;
  const ctx = createProcessContext({
    ...configParts(config, options.vars),
    processType: 'worker',
    identity,
    log,
    metrics,
    resources,
    cluster: view,
  });
  let jobs: Map<string, AnyJob>;
  let deps: unknown;
  try {
    const entry = await options.entry();
    jobs = byName(entry.jobs);
    deps = entry.resources(ctx);
  } catch (err) {
    log.error('the jobs could not be set up', { cause: (err as Error).message });
    failBoot(`the jobs could not be set up: ${(err as Error).message}`);
    return;
  }
  const unopened = await openResources(resources, config, log);
  if (unopened !== undefined) {
    failBoot(unopened);
    return;
  }
  if (out.stopping) return;

  const [{ Queue, UnrecoverableError, WaitingError, Worker, createNodeRedisClient }, { createClient }] =
    await Promise.all([import('bullmq'), import('redis')]);
  // A client of its own, not the app's: BullMQ blocks on it waiting for jobs (BZPOPMIN), which a
  // command bound would cut short, and a queue outage must not wait behind the app's commands.
  client = createClient({ url: redis.url, socket: { ...redis.tls } }) as RedisClientType;
  client.on('error', (err: Error) => {
    if (lost) return;
    lost = true;
    onLost?.();
    log.warn('the job queue’s connection is lost: no jobs until it reconnects', {
      host: redis.host,
      cause: err.message,
    });
  });
  client.on('ready', () => {
    if (lost) log.info('the job queue’s connection is back', { host: redis.host });
    lost = false;
  });

  // Two parameters, not three: BullMQ reads processor.length to decide whether to make a signal.
  const processor = async (job: Job, token?: string) => {
    const definition = jobs.get(job.name);
    // Retried, not failed for good: while a deploy rolls, the web may enqueue a job that only the
    // next release's runners know.
    if (!definition) throw new Error(`no job is named "${job.name}" in this runner's src/app/jobs/index.ts`);
    const run = new RunningJob(job, log, deps, ctx);
    runs.add(run);
    try {
      return await run.perform(definition, job.data);
    } catch (err) {
      if (run.ending?.stopped) {
        // Back to wait, not failed: the attempt does not count, and another runner takes it.
        await job.moveToWait(token);
        log.warn('job back in the queue: the runner stopped before it finished', { jobId: job.id, job: job.name });
        throw new WaitingError();
      }
      // BullMQ keeps an Error's message as the reason: a thrown string or object would leave "null".
      throw err instanceof Error ? err : new Error(typeof err === 'string' ? err : JSON.stringify(err));
    } finally {
      runs.delete(run);
    }
  };

  const running = new Worker(QUEUE_NAME, processor, {
    connection: createNodeRedisClient(client),
    prefix: redis.keyPrefix,
    concurrency: config.jobs.concurrency,
    lockDuration: config.jobs.lockMs,
    // Stalled jobs are looked for as often as a lock lasts (BullMQ's defaults are both 30 s).
    stalledInterval: config.jobs.lockMs,
    // A runner killed mid-job (SIGKILL, out of memory) leaves it stalled: retried after its lock
    // expires, up to this many times before it counts as failed (BullMQ's default is 1).
    maxStalledCount: 3,
    // Stored on each job it runs: the page says who ran it.
    name: `${identity.instance ?? 'this machine'} ${name} (pid ${identity.pid})`,
    // Started below, once the schedules are set and the log says so: a job already waiting
    // would otherwise run, and log, before its runner had said it takes jobs.
    autorun: false,
  });
  worker = running;
  running.on('error', (err) => {
    if (!lost) log.warn('job queue error', { cause: err.message });
  });
  // A line per job at debug; at info, one every 10 s that some finished: a line per job cost a
  // short job a third of its CPU (npm run bench), and a busy runner's log its readability.
  let doneSince = 0;
  let msSince = 0;
  running.on('completed', (job) => {
    done += 1;
    const ms = job.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : 0;
    doneSince += 1;
    msSince += ms;
    log.debug('job done', { jobId: job.id, job: job.name, attempt: job.attemptsMade, ms });
  });
  setInterval(() => {
    if (doneSince === 0) return;
    log.info('jobs done', { count: doneSince, averageMs: Math.round(msSince / doneSince), seconds: 10 });
    doneSince = 0;
    msSince = 0;
  }, 10_000).unref();
  // Found by this runner's stalled-job check: its runner died mid-run (SIGKILL, out of memory).
  running.on('stalled', (jobId) => {
    log.warn('job stalled: its runner stopped without finishing it; it runs again from the start', { jobId });
  });
  running.on('failed', (job, err) => {
    if (!job || err instanceof WaitingError || err.name === 'WaitingError') return;
    const attempts = job.opts.attempts ?? 1;
    const final = job.attemptsMade >= attempts || err instanceof UnrecoverableError;
    const fields = { jobId: job.id, job: job.name, attempt: job.attemptsMade, of: attempts, cause: err.message };
    if (final) log.error('job failed for good: kept in the failed list', fields);
    else log.warn('job failed: it will be retried', fields);
  });
  // Ready, to the supervisor, once it takes jobs: a rolling reload stops an old runner only then.
  let said = false;
  const ready = (waiting: boolean) => {
    if (said) return;
    said = true;
    send({ type: 'ready', port: 0, waiting });
    reportStats(() => done);
  };
  // Redis may be away at boot (a failover, maintenance): BullMQ's Worker connects once it
  // answers and takes jobs then. The runner waits for it as long as for an optional resource
  // and is ready either way: waiting on, it would be killed as not ready, over and over, and the
  // dyno would end as a crash loop over an outage it can outlast.
  const connected = running.waitUntilReady();
  let waited: NodeJS.Timeout | undefined;
  let answered: boolean;
  try {
    answered = await Promise.race([
      connected.then(() => true),
      new Promise<false>((resolve) => {
        waited = setTimeout(resolve, RESOURCE_TIMING.optionalOpenMs, false);
      }),
    ]);
  } catch (err) {
    log.error('could not reach the job queue', { host: redis.host, cause: (err as Error).message });
    failBoot(`the job queue did not answer: ${(err as Error).message}`);
    return;
  } finally {
    clearTimeout(waited);
  }
  if (out.stopping) return;
  if (!answered) {
    log.warn('the job queue does not answer yet: the runner takes jobs once it does', {
      host: redis.host,
      waitedMs: RESOURCE_TIMING.optionalOpenMs,
    });
    ready(true);
  }
  try {
    await connected;
  } catch (err) {
    log.error('could not reach the job queue', { host: redis.host, cause: (err as Error).message });
    void stop(`the job queue did not answer: ${(err as Error).message}`, 1);
    return;
  }
  if (out.stopping) return;

  // By every runner, not the dyno's first alone: a runner that replaces the first after a crash
  // must set them too, and one the queue refuses (a cron it cannot parse) must fail each runner,
  // so the dyno ends as a crash loop that names it rather than run on with the old schedule.
  const queue = new Queue(QUEUE_NAME, { connection: createNodeRedisClient(client), prefix: redis.keyPrefix });
  try {
    const { set, removed } = await syncSchedules(queue, [...jobs.values()]);
    if (set.length > 0) log.info('schedules set', { jobs: set });
    if (removed.length > 0) log.info('schedules removed: their jobs have none now', { jobs: removed });
  } catch (err) {
    // Redis gone since it answered: an outage, which the runner outlasts. The schedules it did
    // not check are checked by the next runner to boot.
    if (lost || !client.isReady)
      log.warn('schedules not checked: the job queue does not answer', { cause: (err as Error).message });
    else {
      log.error('a schedule could not be set', { cause: (err as Error).message });
      failBoot((err as Error).message);
      return;
    }
  }
  if (out.stopping) return;
  // Once the teaching surface is removed, and until the app defines its first: a runner that
  // holds its connections and says nothing would look like one that lost its jobs.
  if (jobs.size === 0) log.warn('no job is defined: list yours in src/app/jobs/index.ts (docs/jobs.md)');
  log.info('taking jobs', { jobs: [...jobs.keys()], concurrency: config.jobs.concurrency });
  // As BullMQ's autorun does it: what stops the loop is reported as the Worker's error.
  running.run().catch((err: Error) => running.emit('error', err));
  ready(false);
}
