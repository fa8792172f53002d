// What start.ts hands your app to. Reads the config once per process, then becomes what
// node:cluster says this process is: the primary, which decides how many workers to run and
// supervises them, a worker, which serves the app, or, with one worker, the only process,
// which serves it alone. The entry file is forked for every worker (cluster's default), so
// the app is loaded by the processes that serve and never by the primary.
import cluster from 'node:cluster';
import path from 'node:path';
import { useCompileCache } from './compile-cache.ts';
import type { Config } from './config.ts';
import { NO_DATABASE, planPool } from './database/settings.ts';
import { loadEnvironment } from './environment.ts';
import type { JobsEntry } from './jobs/runner.ts';
import { type Logger, processLogger } from './log/log.ts';
import { planRunners, planWorkers, type WorkerPlan } from './platform/concurrency.ts';
import { readMachineFacts } from './platform/machine.ts';
import { platformById } from './platform/platforms.ts';
import { dynoClients, NO_REDIS, rateLimitScope } from './redis/settings.ts';
import { FORCEABLE, onSignals } from './signals.ts';
import { surfacesOf, surfacesOff } from './surfaces.ts';
import type { AppConfig, AppFactory } from './types.ts';
import type { VariableSpecs, VariableValues } from './variables.ts';

/** What an entry hands boot: the web's createApp (start.ts), or the app's jobs (worker.ts). */
export type Entry<D extends VariableSpecs> = {
  /** The app's variables (src/app/variables.ts): parsed here, before any worker starts. */
  readonly variables: D;
  /** The folder `.env` is read from: the app's root. */
  readonly root: string;
} & (
  | {
      /** Loads createApp: called only in a process that serves, so the primary never loads Express. */
      readonly app: () => Promise<AppFactory<VariableValues<D>>>;
    }
  | {
      /** Loads the app's jobs: called only in a process that runs them. */
      readonly jobs: () => Promise<JobsEntry>;
    }
);

// The Procfile's names for the two process types.
type Kind = AppConfig['processType'];

function bootLine(log: Logger, config: Config, plan: WorkerPlan, kind: Kind): void {
  const single = plan.count === 1;
  const what =
    kind === 'web'
      ? `${plan.count} ${single ? 'worker: serving from this process' : 'workers'}`
      : `${plan.count} job ${single ? 'runner: running jobs from this process' : 'runners'}`;
  const off = surfacesOff(surfacesOf(config));
  const database = config.database && { ...config.database, pool: planPool(config.database.budget, plan.count, kind) };
  const platform = platformById(config.platform);
  log.info(kind === 'web' ? `starting ${what} on port ${config.port}` : `starting ${what}`, {
    platform: platform.name,
    ...(config.instance === null ? {} : { instance: config.instance }),
    workers: plan.count,
    source: plan.source,
    reason: plan.reason,
    ...(plan.hint ? { hint: plan.hint } : {}),
    ...(plan.overridden.length ? { overridden: plan.overridden } : {}),
    ...(kind === 'web' ? { port: config.port } : { concurrency: config.jobs.concurrency }),
    shutdownTimeout: config.shutdown.ms / 1000,
    shutdownReason: config.shutdown.reason,
    ...(off.length ? { off } : {}),
    ...(kind === 'web'
      ? { trustProxy: `${config.proxy.hops} ${config.proxy.hops === 1 ? 'hop' : 'hops'} (${config.proxy.reason})` }
      : {}),
    ...(database
      ? {
          database: database.pool.summary,
          databaseHost: database.host,
          databaseName: database.database,
          tls: database.tlsReason,
        }
      : { database: NO_DATABASE }),
    ...(config.redis
      ? {
          redis: dynoClients(kind, plan.count).arithmetic,
          redisHost: config.redis.host,
          redisTls: config.redis.tlsReason,
          // Which of the Redis's keys are this app's: two apps on one Redis need one each.
          redisKeys: `${config.redis.keyPrefix}:*`,
        }
      : { redis: NO_REDIS }),
    ...(kind === 'web' ? { rateLimits: rateLimitScope(config.redis !== null, plan.count) } : {}),
  });
  // Once, from the process that owns the deadline: the workers parse the same config silently.
  if (config.shutdown.warning) log.warn(`shutdown: ${config.shutdown.warning}`, { platform: platform.name });
  if (database?.pool.overBudget)
    log.warn(`database: ${database.pool.overBudget}`, { budget: database.budget, workers: plan.count });
}

export async function boot<D extends VariableSpecs>(entry: Entry<D>): Promise<void> {
  // Too late for the entry and its imports (the Procfile's NODE_COMPILE_CACHE covers those),
  // in time for the workers and the app.
  useCompileCache(process.env);
  // Before the config is parsed, so a bad value in .env stops the boot like any other. Read by
  // the primary alone: its workers, a reload's and a restart's too, inherit the environment it
  // checked, so an edit to .env since then waits for a restart instead of reaching some of them.
  const dotenv = cluster.isWorker ? null : path.join(entry.root, '.env');
  const loaded = loadEnvironment(process.env, dotenv, entry.variables);
  if (!loaded.ok) {
    // One line, no stack: the variable, the value and what is allowed say it all.
    process.stderr.write(`${loaded.message}\n`);
    process.exit(1);
  }
  const { config, vars } = loaded;
  const kind: Kind = 'app' in entry ? 'web' : 'worker';
  // Imported only here, so a primary never loads Express, the routes or the jobs.
  const run = async (plan?: WorkerPlan) => {
    if ('app' in entry) {
      const { runWorker } = await import('./cluster/worker.ts');
      await runWorker(config, { app: await entry.app(), vars, ...(plan ? { plan } : {}) });
    } else {
      const { runRunner } = await import('./jobs/runner.ts');
      await runRunner(config, { entry: entry.jobs, vars, ...(plan ? { plan } : {}) });
    }
  };
  if (cluster.isWorker) {
    await run();
    return;
  }
  if (kind === 'worker' && config.redis === null && config.nodeEnv !== 'production') {
    // `npm run local` starts every process type: without Redis the jobs have nowhere to wait, and
    // a runner that exits would stop the web beside it. In production a worker dyno without
    // Redis is a mistake, and it fails like one (runner.ts).
    const log = processLogger(config, 'runner');
    log.warn(`no jobs to run: the worker process type needs Redis, where they wait. ${NO_REDIS}. Idle until stopped.`);
    // Nothing else keeps the process alive: a timer that never fires does, until a signal.
    const idle = setInterval(() => {}, 2 ** 31 - 1);
    onSignals({
      shutdown: (signal) => {
        clearInterval(idle);
        log.info('stopped: there were no jobs to run', { signal });
        process.exit(0);
      },
      force: () => process.exit(130),
      forceable: () => {},
      reload: () => {},
    });
    return;
  }
  const machine = readMachineFacts();
  const plan =
    kind === 'web'
      ? planWorkers(config.concurrency, machine)
      : planRunners(config.jobs.processes, config.concurrency, machine);
  const log = processLogger(config, plan.count > 1 ? 'primary' : kind === 'web' ? 'app' : 'runner');
  bootLine(log, config, plan, kind);
  if (plan.count === 1) {
    await run(plan);
    return;
  }
  // Imported only here, so a worker never loads the supervisor.
  const { startPrimary } = await import('./cluster/primary.ts');
  const supervisor = startPrimary({
    instance: config.instance,
    workers: plan.count,
    plan,
    log,
    shutdownTimeoutMs: config.shutdown.ms,
    readyTimeoutMs: config.workerReadyTimeoutMs,
    memoryBudgetBytes: plan.webMemoryMb * 1024 * 1024,
    // The live page's kill and reload buttons: never in production, whatever else is set.
    controls: kind === 'web' && config.nodeEnv !== 'production',
    // The web dynos report to the fleet; a worker dyno has no page to show it on.
    fleet: { redis: kind === 'web' && config.redis !== null, platform: platformById(config.platform).name },
  });
  onSignals({
    shutdown: (signal) => supervisor.shutdown(signal),
    force: () => supervisor.force(),
    forceable: () => log.debug(FORCEABLE),
    reload: () => supervisor.reload(),
  });
  process.exit(await supervisor.exited);
}
