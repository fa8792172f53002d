// `npm run build`: fills Node's compile cache where the platform builds the app, so a dyno's
// first boot is already warm, for the web and the worker process types alike. It compiles every
// module their processes load and runs none of them: start.ts and worker.ts only start when
// they are the entry, and the rest only define things. NODE_COMPILE_CACHE comes from the build script, as from the Procfile:
// enabled here, it would come too late for this file's own imports.
import module from 'node:module';

const directory = module.getCompileCacheDir();
if (directory === undefined) {
  // Never a failed build: without the cache the app is only slower to boot.
  process.stderr.write('compile cache: not enabled (NODE_COMPILE_CACHE unset), nothing to warm\n');
} else {
  const { loadApp } = await import('../start.ts');
  await loadApp();
  const { loadJobs } = await import('../worker.ts');
  await loadJobs();
  // What boot() imports in one kind of process only: the supervisor, the serving process and
  // the job runner.
  await import('../src/runtime/cluster/primary.ts');
  await import('../src/runtime/cluster/worker.ts');
  await import('../src/runtime/jobs/runner.ts');
  // What a process imports when it first needs it: with Redis, the fleet's report, the rate
  // limits' store and the jobs' metrics.
  await import('../src/runtime/fleet/report.ts');
  await import('../src/runtime/limits/stores.ts');
  await import('../src/runtime/jobs/metrics.ts');
  // pino is required when a serving process makes its logger, not on import: make one.
  const { createLogger } = await import('../src/runtime/log/log.ts');
  createLogger({ level: 'silent', format: 'json', base: {}, write: () => {} });
  module.flushCompileCache();
  process.stdout.write(`compile cache: warmed in ${directory}\n`);
}
