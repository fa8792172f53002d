// Helpers for your app's tests, and the one module of the runtime they import (test/helpers.ts
// wires your app into them): your app served in this process on a free port, with the
// environment a test gives it, exactly as a serving process builds it; your jobs' handlers run
// as a runner runs them, with the resources a runner opens; a database and Redis keys of the
// test's own; and what `npm run docs` writes, for the test that keeps the docs in step.
import type { TestContext } from 'node:test';
import { createAppContext } from './app-context.ts';
import { now } from './clock.ts';
import { singleProcessView } from './cluster/views.ts';
import { type Config, type Env, loadConfig } from './config.ts';
import { serve } from './http/server.ts';
import type { JobDefinition } from './jobs/define.ts';
import { RunningJob } from './jobs/running-job.ts';
import { createLogger, type Logger } from './log/log.ts';
import { createProcessMetrics } from './metrics/metrics.ts';
import { optionFailure } from './option-error.ts';
import { createProcessContext } from './process-context.ts';
import { createResources, type ResourceTiming } from './resources.ts';
import { type Surfaces, surfacesOf } from './surfaces.ts';
import type { AppFactory, ProcessContext } from './types.ts';
import { parseVariables, type VariableSpecs, type VariableValues } from './variables.ts';

export type { Env } from './config.ts';
export { testDatabase, whenPostgres } from './database/test-database.ts';
export { APP_SECTION, renderAppVariablesEnv, renderAppVariablesTable } from './docs.ts';
export { testRedis, whenRedis } from './redis/test-redis.ts';

export interface StartOptions<D extends VariableSpecs> {
  /** The app's createApp. */
  readonly app: AppFactory<VariableValues<D>>;
  /** The app's declared variables, parsed from `env` as a boot parses them. */
  readonly variables: D;
  /**
   * The environment the app sees, and nothing of the test process's: NODE_ENV=test unless
   * given. Its kit variables (DATABASE_URL, DEMO_SURFACE, ...) and the app's are parsed as at
   * boot; a bad value fails the test with the boot's one-line message.
   */
  readonly env?: Env;
  /** Where the app's lines go; silent unless given. */
  readonly log?: Logger;
  /** What is public, in place of what `env` says (the kit's own tests). */
  readonly surfaces?: Surfaces;
  /** How long optional resources' opens are waited for and retried (the kit's own tests). */
  readonly resourceTiming?: ResourceTiming;
  /**
   * How many processes the app is told serve on its dyno (1): what it shares out per dyno,
   * such as connections, is reckoned by it.
   */
  readonly workers?: number;
}

export interface StartedApp {
  /** http://127.0.0.1:<port>, no trailing slash. */
  readonly url: string;
  readonly config: Config;
  /** True once the app is draining: /readyz then answers 503. */
  readonly health: { draining: boolean };
  readonly server: Awaited<ReturnType<typeof serve>>;
  readonly resources: ReturnType<typeof createResources>;
}

/**
 * Serves the app in this process on a free port: its resources opened first, then listening;
 * when the test ends, the server drains and the resources close, as in a serving process.
 */
export async function startApp<D extends VariableSpecs>(t: TestContext, options: StartOptions<D>): Promise<StartedApp> {
  const { config, health, resources, parts } = testProcess(options, 'web', options.resourceTiming);
  const ctx = createAppContext<VariableValues<D>>({
    ...parts,
    surfaces: options.surfaces ?? parts.surfaces,
    workers: options.workers ?? 1,
    health,
    proxyHops: config.proxy.hops,
  });
  const handler = options.app(ctx);
  await resources.openAll(config.workerReadyTimeoutMs);
  const server = await serve(handler, { port: 0 });
  t.after(async () => {
    health.draining = true;
    await server.close();
    await resources.closeAll(now() + config.shutdown.ms);
  });
  return { url: `http://127.0.0.1:${server.port}`, config, health, server, resources };
}

/**
 * What both helpers build as a process of their type builds it: the config and the app's
 * variables parsed from `env` (NODE_ENV=test unless given), its log, metrics and resources,
 * and the cluster's view of one process.
 */
function testProcess<D extends VariableSpecs>(
  options: { readonly env?: Env; readonly variables: D; readonly log?: Logger },
  type: 'web' | 'worker',
  timing: ResourceTiming | undefined,
) {
  const env: Env = { NODE_ENV: 'test', ...options.env };
  const config = loadConfig(env);
  const vars = parseVariables(options.variables, env);
  const log = options.log ?? createLogger({ level: 'silent', format: 'json', base: {} });
  const health = { draining: false };
  // A runner's are never scraped (runner.ts): no default series.
  const metrics = createProcessMetrics(config.instance, type === 'web' ? undefined : { defaults: false });
  const resources = createResources(log, timing, type);
  const plan = {
    count: 1,
    source: type === 'web' ? 'WEB_CONCURRENCY' : 'JOB_PROCESSES',
    reason: 'a test: one process',
  } as const;
  const parts = {
    nodeEnv: config.nodeEnv,
    surfaces: surfacesOf(config),
    workers: 1,
    env,
    vars,
    database: config.database,
    redis: config.redis,
    identity: { pid: process.pid, workerId: null, instance: config.instance },
    log,
    metrics,
    resources,
    cluster: singleProcessView(config.instance, plan, metrics, health, 512 * 1024 * 1024),
  };
  return { config, log, health, resources, parts };
}

export interface RunnerOptions<D extends VariableSpecs, R> {
  /** What the app registers for its processes (src/app/resources.ts): the handlers' `resources`. */
  readonly resources: (ctx: ProcessContext<VariableValues<D>>) => R;
  /** The app's declared variables, parsed from `env` as a boot parses them. */
  readonly variables: D;
  /** The environment the runner sees, and nothing of the test process's: NODE_ENV=test unless given. */
  readonly env?: Env;
  /** Where the handlers' lines go; silent unless given. */
  readonly log?: Logger;
}

export interface RunOptions {
  /** The queue's id for the job (test-1, test-2... unless given). */
  readonly id?: string;
  /** Which run this is: 2 as the first retry would see it (1 unless given). */
  readonly attempt?: number;
}

export interface StartedRunner<R> {
  /**
   * Runs the job's handler once, as a runner runs it: the payload through JSON as the queue
   * stores it (a Date arrives as a string), cut short past the job's timeoutMs with its signal
   * aborted. Resolves with what the handler returns; rejects with what it throws, or with the
   * timeout. No queue and no retries: the handler alone, as often as the test calls it.
   */
  run<P>(job: JobDefinition<P, R>, payload: P, options?: RunOptions): Promise<unknown>;
  /** The same resources the handlers get, open: to arrange what a job reads and check what it wrote. */
  readonly resources: R;
  readonly config: Config;
}

/**
 * A job runner in this process for the test: the app's resources registered and opened as a
 * runner opens them, closed when the test ends. Redis is not needed unless the app's resources
 * or a handler's enqueue need it.
 */
export async function startRunner<D extends VariableSpecs, R>(
  t: TestContext,
  options: RunnerOptions<D, R>,
): Promise<StartedRunner<R>> {
  const { config, log, resources, parts } = testProcess(options, 'worker', undefined);
  const ctx = createProcessContext<VariableValues<D>>({ ...parts, processType: 'worker' });
  const deps = options.resources(ctx);
  // Before the open, so what did open closes even when another does not.
  t.after(() => resources.closeAll(now() + config.shutdown.ms));
  await resources.openAll(config.workerReadyTimeoutMs);
  let runs = 0;
  return {
    resources: deps,
    config,
    async run(job, payload, { id = `test-${runs + 1}`, attempt = 1 } = {}) {
      const fail = optionFailure('run');
      if (!Number.isInteger(attempt) || attempt < 1) fail('attempt', attempt, 'a whole number from 1');
      runs += 1;
      const data = payload === undefined ? payload : JSON.parse(JSON.stringify(payload));
      const run = new RunningJob({ id, name: job.name, attemptsMade: attempt - 1 }, log, deps, ctx);
      return run.perform(job, data);
    },
  };
}
