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
import { type Logger, processLogger } from './log/log.ts';
import { planWorkers, type WorkerPlan } from './platform/concurrency.ts';
import { readMachineFacts } from './platform/machine.ts';
import { platformById } from './platform/platforms.ts';
import { clientsPerDyno, NO_REDIS, rateLimitScope } from './redis/settings.ts';
import { FORCEABLE, onSignals } from './signals.ts';
import { surfacesOf, surfacesOff } from './surfaces.ts';
import type { AppFactory } from './types.ts';
import type { VariableSpecs, VariableValues } from './variables.ts';

export interface Entry<D extends VariableSpecs> {
  /** The app's variables (src/app/variables.ts): parsed here, before any worker starts. */
  readonly variables: D;
  /** Loads createApp: called only in a process that serves, so the primary never loads Express. */
  readonly app: () => Promise<AppFactory<VariableValues<D>>>;
  /** The folder `.env` is read from: the app's root. */
  readonly root: string;
}

function bootLine(log: Logger, config: Config, plan: WorkerPlan): void {
  const single = plan.count === 1;
  const off = surfacesOff(surfacesOf(config));
  const database = config.database && { ...config.database, pool: planPool(config.database.budget, plan.count) };
  const platform = platformById(config.platform);
  log.info(
    `starting ${plan.count} ${single ? 'worker: serving from this process' : 'workers'} on port ${config.port}`,
    {
      platform: platform.name,
      ...(config.instance === null ? {} : { instance: config.instance }),
      workers: plan.count,
      source: plan.source,
      reason: plan.reason,
      ...(plan.hint ? { hint: plan.hint } : {}),
      ...(plan.overridden.length ? { overridden: plan.overridden } : {}),
      port: config.port,
      shutdownTimeout: config.shutdown.ms / 1000,
      shutdownReason: config.shutdown.reason,
      ...(off.length ? { off } : {}),
      trustProxy: `${config.proxy.hops} ${config.proxy.hops === 1 ? 'hop' : 'hops'} (${config.proxy.reason})`,
      ...(database
        ? {
            database: database.pool.summary,
            databaseHost: database.host,
            databaseName: database.database,
            tls: database.tlsReason,
          }
        : { database: NO_DATABASE }),
      ...(config.redis
        ? { redis: clientsPerDyno(plan.count), redisHost: config.redis.host, redisTls: config.redis.tlsReason }
        : { redis: NO_REDIS }),
      rateLimits: rateLimitScope(config.redis !== null, plan.count),
    },
  );
  // Once, from the process that owns the deadline: the workers parse the same config silently.
  if (config.shutdown.warning) log.warn(`shutdown: ${config.shutdown.warning}`, { platform: platform.name });
  if (database?.pool.overBudget)
    log.warn(`database: ${database.pool.overBudget}`, { budget: database.budget, workers: plan.count });
}

export async function boot<D extends VariableSpecs>(entry: Entry<D>): Promise<void> {
  // Too late for the entry and its imports (the Procfile's NODE_COMPILE_CACHE covers those),
  // in time for the workers and the app.
  useCompileCache(process.env);
  // Before the config is parsed, so a bad value in .env stops the boot like any other; the
  // workers inherit what it set through the environment.
  const loaded = loadEnvironment(process.env, path.join(entry.root, '.env'), entry.variables);
  if (!loaded.ok) {
    // One line, no stack: the variable, the value and what is allowed say it all.
    process.stderr.write(`${loaded.message}\n`);
    process.exit(1);
  }
  const { config, vars } = loaded;
  if (cluster.isWorker) {
    const { runWorker } = await import('./cluster/worker.ts');
    await runWorker(config, { app: await entry.app(), vars });
    return;
  }
  const plan = planWorkers(config.concurrency, readMachineFacts());
  const log = processLogger(config, plan.count === 1 ? 'app' : 'primary');
  bootLine(log, config, plan);
  if (plan.count === 1) {
    // Imported only here, so a primary never loads Express or the routes.
    const { runWorker } = await import('./cluster/worker.ts');
    await runWorker(config, { app: await entry.app(), vars, plan });
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
    controls: config.nodeEnv !== 'production',
    fleet: { redis: config.redis !== null, platform: platformById(config.platform).name },
  });
  onSignals({
    shutdown: (signal) => supervisor.shutdown(signal),
    force: () => supervisor.force(),
    forceable: () => log.debug(FORCEABLE),
    reload: () => supervisor.reload(),
  });
  process.exit(await supervisor.exited);
}
