// Entry point: `node start.ts` (Procfile, npm start). Reads the config, decides how many
// workers, then either supervises a cluster or, with one worker, serves from this process.
// Importing it does nothing (the build's cache warm-up compiles it that way).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPrimary } from './src/runtime/cluster/primary.ts';
import { useCompileCache } from './src/runtime/compile-cache.ts';
import type { Config } from './src/runtime/config.ts';
import { NO_DATABASE, planPool } from './src/runtime/database/settings.ts';
import { processLogger } from './src/runtime/log/log.ts';
import { planWorkers } from './src/runtime/platform/concurrency.ts';
import { readMachineFacts } from './src/runtime/platform/machine.ts';
import { platformById } from './src/runtime/platform/platforms.ts';
import { readConfig } from './src/runtime/read-config.ts';
import { FORCEABLE, onSignals } from './src/runtime/signals.ts';
import { surfacesOf, surfacesOff } from './src/runtime/surfaces.ts';

function configOrExit(): Config {
  // .env first, so a bad value in it stops the boot like any other; the workers inherit what
  // it set through the environment.
  const read = readConfig(process.env, path.join(import.meta.dirname, '.env'));
  if ('config' in read) return read.config;
  // One line, no stack: the variable, the value and what is allowed say it all.
  process.stderr.write(`${read.error}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  const config = configOrExit();
  const off = surfacesOff(surfacesOf(config));
  const plan = planWorkers(config.concurrency, readMachineFacts());
  const single = plan.count === 1;
  const log = processLogger(config, single ? 'app' : 'primary');
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
      ...(database
        ? {
            database: database.pool.summary,
            databaseHost: database.host,
            databaseName: database.database,
            tls: database.tlsReason,
          }
        : { database: NO_DATABASE }),
    },
  );
  // Once, from the process that owns the deadline: the workers parse the same config silently.
  if (config.shutdown.warning) log.warn(`shutdown: ${config.shutdown.warning}`, { platform: platform.name });
  if (database?.pool.overBudget)
    log.warn(`database: ${database.pool.overBudget}`, { budget: database.budget, workers: plan.count });

  if (single) {
    // Imported only here, so a primary never loads Express or the routes.
    const { runWorker } = await import('./src/runtime/cluster/worker.ts');
    await runWorker(config, { plan });
  } else {
    const supervisor = startPrimary({
      exec: fileURLToPath(import.meta.resolve('./src/runtime/cluster/worker.ts')),
      instance: config.instance,
      workers: plan.count,
      plan,
      log,
      shutdownTimeoutMs: config.shutdown.ms,
      readyTimeoutMs: config.workerReadyTimeoutMs,
      memoryBudgetBytes: plan.webMemoryMb * 1024 * 1024,
      // The live page's kill and reload buttons: never in production, whatever else is set.
      controls: config.nodeEnv !== 'production',
    });
    onSignals({
      shutdown: (signal) => supervisor.shutdown(signal),
      force: () => supervisor.force(),
      forceable: () => log.debug(FORCEABLE),
      reload: () => supervisor.reload(),
    });
    process.exit(await supervisor.exited);
  }
}

if (import.meta.main) {
  // Too late for this file and its imports (the Procfile's NODE_COMPILE_CACHE covers those),
  // in time for the workers and the app.
  useCompileCache(process.env);
  await main();
}
