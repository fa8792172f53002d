// `npm run bench` (node bench/run.ts [--quick] [--results-dir DIR]): throughput, latency,
// lifecycle timings and memory of `node start.ts`, as tables on stdout and JSON in
// bench/results/. Progress goes to stderr, so stdout can be piped into a file or a PR comment.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONNECTION_BUDGET, planPool } from '../../src/runtime/database/settings.ts';
import { type AppProcess, killAll, launch } from './cluster-process.ts';
import {
  COST_ROUTE,
  COST_SERVERS,
  type CostResults,
  DB_COST_ROUTE,
  databaseCostServers,
  measureCost,
  RL_COST_ROUTE,
  rateLimitCostServers,
} from './cost.ts';
import { findDatabase } from './database.ts';
import { type FleetCost, measureFleetCost } from './fleet.ts';
import { type JobsBench, measureJobs } from './jobs.ts';
import {
  type IdleShutdownResult,
  type KillResult,
  killAndReplace,
  type PrimaryUnderLoadResult,
  primaryUnderHandOffs,
  type ReloadResult,
  reloadUnderLoad,
  type SlowShutdownResult,
  shutdownWithIdleClients,
  shutdownWithSlowRequest,
} from './lifecycle.ts';
import { runLoad } from './load.ts';
import { benchMachine } from './machine.ts';
import { memorySnapshot, type NodeBaseline, nodeBaseline } from './memory.ts';
import { writeNotes } from './notes.ts';
import { configLabel, makePlan, type ServerConfig } from './plan.ts';
import { Progress, type Step } from './progress.ts';
import { BENCH_KEY_PREFIX, deleteBenchKeys, findRedis } from './redis.ts';
import { renderReport, writeResults } from './report.ts';
import type { BenchResults, ConfigResult, MemoryResults, ThroughputPoint } from './results.ts';
import { cpuBetween, sampleCpu } from './server-cpu.ts';
import { judgeTargets, type Measured, runChecks } from './targets.ts';
import { type CacheBoots, coldThenWarm } from './warm-boot.ts';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'results-dir': { type: 'string', default: path.join(import.meta.dirname, 'results') },
  },
});

// The Redis this run keeps keys in, once found: deleted however the run ends.
let keysIn: string | null = null;
// Without these, Ctrl+C would end the bench and leave its detached servers running; exiting
// runs the cleanup in cluster-process.ts.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping the servers\n`);
    killAll();
    void (keysIn === null ? Promise.resolve() : deleteBenchKeys(keysIn)).finally(() => process.exit(130));
  });
}

const database = await findDatabase();
const databaseUrl = 'url' in database ? database.url : null;
const redis = await findRedis();
const redisUrl = 'url' in redis ? redis.url : null;
keysIn = redisUrl;
const plan = makePlan(os.availableParallelism(), args.quick, databaseUrl !== null);
// Every server of this run shares one compile cache, empty at first: the first boot measures a
// cold start, and everything after it runs warm, as a deployed app does after its build.
const cacheDir = mkdtempSync(path.join(os.tmpdir(), 'bench-compile-cache-'));
process.on('exit', () => rmSync(cacheDir, { recursive: true, force: true }));
// Every server of the run keeps its Redis keys under the run's own prefix (kit/bench/redis.ts).
const cache = { NODE_COMPILE_CACHE: cacheDir, NODE_COMPILE_CACHE_PORTABLE: '1', REDIS_KEY_PREFIX: BENCH_KEY_PREFIX };
// The throughput servers reach the database too, for its route; the boot and memory figures
// come from servers without one, as an app without DATABASE_URL runs.
const served = { ...cache, ...(databaseUrl === null ? {} : { DATABASE_URL: databaseUrl }) };
const startedAt = new Date().toISOString();
const url = (app: AppProcess, route: string) => `http://127.0.0.1:${app.port}${route}`;

type RunStep = Step & { readonly run: () => Promise<void> };
const steps: RunStep[] = [];

const configs: ConfigResult[] = [];
const points: Omit<ThroughputPoint, 'vsSingle'>[] = [];
const byConfig: MemoryResults['byConfig'][number][] = [];

function throughputSteps(config: ServerConfig): void {
  const label = configLabel(config);
  let server: { app: AppProcess; bootMs: number; loggedMs?: number } | undefined;
  const app = () => {
    if (!server) throw new Error(`${label} is not running`);
    return server.app;
  };
  steps.push({
    label: `${label}: boot`,
    estimateS: 1,
    run: async () => {
      server = await launch(config.workers, { env: served });
    },
  });
  steps.push({
    label: `${label}: warm-up`,
    estimateS: plan.warmupS * plan.routes.length,
    run: async () => {
      for (const route of plan.routes) {
        const target = url(app(), route.path);
        await runLoad({ url: target, connections: plan.connections, mode: 'keep-alive', durationS: plan.warmupS });
      }
    },
  });
  for (const route of plan.routes) {
    for (const mode of plan.modes) {
      steps.push({
        label: `${label}: ${route.path}, ${mode}, ${plan.durationS} s`,
        estimateS: plan.durationS + 0.2,
        run: async () => {
          const linesBefore = app().linesRead;
          const before = sampleCpu(app());
          const load = await runLoad({
            url: url(app(), route.path),
            connections: plan.connections,
            mode,
            durationS: plan.durationS,
          });
          const serverCpu = cpuBetween(before, sampleCpu(app()));
          const logLinesPerRequest = (app().linesRead - linesBefore) / Math.max(1, load.requests);
          points.push({
            workers: config.workers,
            config: label,
            route: route.path,
            mode,
            ideal: config.ideal,
            load,
            serverCpu,
            logLinesPerRequest,
          });
        },
      });
    }
  }
  steps.push({
    label: `${label}: memory, SIGTERM`,
    estimateS: 0.5,
    run: async () => {
      const running = app();
      byConfig.push({ workers: config.workers, config: label, ...memorySnapshot(running) });
      const { ms, exit } = await running.stop();
      const booted = server as { bootMs: number; loggedMs?: number };
      configs.push({
        ...config,
        bootMs: booted.bootMs,
        bootLoggedMs: booted.loggedMs ?? null,
        shutdownMs: ms,
        shutdownExitCode: exit.code,
      });
    },
  });
}

interface LifecycleParts {
  bootMs?: number;
  bootLoggedMs?: number | null;
  kill?: KillResult;
  reload?: ReloadResult;
  idleShutdown?: IdleShutdownResult;
  slowShutdown?: SlowShutdownResult;
  baseline?: NodeBaseline;
  primaryUnderLoad?: PrimaryUnderLoadResult;
  boot?: CacheBoots;
  cost?: CostResults;
  costDatabase?: CostResults;
  costRateLimit?: CostResults;
  fleet?: FleetCost;
  jobs?: JobsBench;
}
const life: LifecycleParts = {};

function lifecycleSteps(): void {
  const workers = plan.lifecycleWorkers;
  // The light route: the most requests, and so the most chances to lose one, per second of reload.
  const reloadRoute = '/api/info';
  let app: AppProcess | undefined;
  const running = () => {
    if (!app) throw new Error('the lifecycle cluster is not running');
    return app;
  };
  steps.push({
    label: `lifecycle: boot ${workers} workers`,
    estimateS: 1,
    run: async () => {
      const booted = await launch(workers, { env: cache });
      app = booted.app;
      life.bootMs = booted.bootMs;
      life.bootLoggedMs = booted.loggedMs ?? null;
    },
  });
  if (plan.primaryLoadS > 0) {
    steps.push({
      label: `lifecycle: a new connection per request for ${plan.primaryLoadS} s, primary memory, then idle`,
      // The idle wait ends when V8 shrinks the heap: about two minutes here.
      estimateS: plan.primaryLoadS + 120,
      run: async () => {
        life.primaryUnderLoad = await primaryUnderHandOffs(running(), {
          seconds: plan.primaryLoadS,
          route: reloadRoute,
          connections: plan.connections,
        });
      },
    });
  }
  steps.push({
    label: 'lifecycle: SIGKILL a worker, await its replacement',
    estimateS: 0.5,
    run: async () => {
      life.kill = await killAndReplace(running());
    },
  });
  steps.push({
    label: `lifecycle: SIGHUP reload under load on ${reloadRoute}`,
    estimateS: 1 + 0.5 * workers,
    run: async () => {
      life.reload = await reloadUnderLoad(running(), { route: reloadRoute, connections: plan.connections });
    },
  });
  steps.push({
    label: `lifecycle: SIGTERM with ${plan.idleClients} idle keep-alive clients`,
    estimateS: 0.3,
    run: async () => {
      life.idleShutdown = await shutdownWithIdleClients(running(), plan.idleClients);
    },
  });
  steps.push({
    label: `lifecycle: SIGTERM with /demo/sleep?ms=${plan.slowRequestMs} in flight`,
    estimateS: 1 + plan.slowRequestMs / 1000,
    run: async () => {
      const { app: slow } = await launch(workers, { env: cache });
      life.slowShutdown = await shutdownWithSlowRequest(slow, plan.slowRequestMs);
    },
  });
  steps.push({
    label: 'memory: bare Node for scale',
    estimateS: 0.3,
    run: async () => {
      life.baseline = await nodeBaseline();
    },
  });
}

function bootAndCostSteps(): void {
  steps.push({
    label: `boot ${plan.lifecycleWorkers} workers with a cold, then a warm compile cache`,
    estimateS: 4,
    run: async () => {
      life.boot = await coldThenWarm(plan.lifecycleWorkers, cache);
    },
  });
  steps.push({
    label: `CPU per request: the kit against Express + Helmet alone, ${plan.costRounds} rounds`,
    // Every server a round to warm up, then a round each, at roughly 15,000 requests a second.
    estimateS: 2 + (COST_SERVERS.length * (plan.costRounds + 1) * plan.costRequests) / 15_000,
    run: async () => {
      life.cost = await measureCost({
        servers: COST_SERVERS,
        route: COST_ROUTE,
        rounds: plan.costRounds,
        requests: plan.costRequests,
        connections: plan.connections,
        env: cache,
      });
    },
  });
  if (redisUrl !== null) {
    const seconds = plan.quick ? 2 : 6;
    steps.push({
      label: `the fleet's reports: Redis commands and CPU a second, idle and under load, ${seconds} s each`,
      estimateS: 3 * seconds + 6,
      run: async () => {
        life.fleet = await measureFleetCost({
          redisUrl,
          workers: plan.lifecycleWorkers,
          seconds,
          connections: plan.connections,
          env: cache,
        });
      },
    });
    // Nine rounds: at five, the control (bare against bare) read anywhere from 0.95x to 1.17x on
    // the same machine from one run to the next, as wide as the gap being judged.
    const jobs = plan.quick
      ? { jobs: 40, costJobs: 500, warmJobs: 200, rounds: 1 }
      : { jobs: 200, costJobs: 8_000, warmJobs: 16_000, rounds: 9 };
    steps.push({
      label: `jobs: ${jobs.jobs} CPU-bound jobs on 1 then 2 runners, and CPU per job against bare BullMQ, ${jobs.rounds} rounds`,
      // A trivial job takes about 0.25 ms of the queue's round trips; each runner boots in about 1 s.
      estimateS: 4 + jobs.jobs * 0.02 * 1.5 + jobs.rounds * 3 * (1 + ((jobs.warmJobs + jobs.costJobs) * 0.25) / 1_000),
      run: async () => {
        life.jobs = await measureJobs({ redisUrl, env: cache, jobMs: 20, ...jobs });
      },
    });
    const limited = rateLimitCostServers(redisUrl);
    steps.push({
      label: `CPU per request on a rate-limited route: the kit against express-rate-limit alone, ${plan.rlCostRounds} rounds`,
      // A Redis round trip per request: roughly 5,000 requests a second on 2 cores.
      estimateS: 2 + (limited.length * (plan.rlCostRounds + 1) * plan.rlCostRequests) / 5_000,
      run: async () => {
        life.costRateLimit = await measureCost({
          servers: limited,
          route: RL_COST_ROUTE,
          rounds: plan.rlCostRounds,
          requests: plan.rlCostRequests,
          connections: plan.connections,
          env: cache,
        });
      },
    });
  }
  if (databaseUrl === null) return;
  const servers = databaseCostServers(databaseUrl);
  steps.push({
    label: `CPU per request on ${DB_COST_ROUTE}: the kit against Express + pg alone, ${plan.dbCostRounds} rounds`,
    // A query per request: roughly 4,000 requests a second on 2 cores.
    estimateS: 2 + (servers.length * (plan.dbCostRounds + 1) * plan.dbCostRequests) / 4_000,
    run: async () => {
      life.costDatabase = await measureCost({
        servers,
        route: DB_COST_ROUTE,
        rounds: plan.dbCostRounds,
        requests: plan.dbCostRequests,
        connections: plan.connections,
        env: cache,
      });
    },
  });
}

function assemble(): Measured {
  const { bootMs, bootLoggedMs, kill, reload, idleShutdown, slowShutdown, baseline, boot, cost } = life;
  if (bootMs === undefined || !kill || !reload || !idleShutdown || !slowShutdown || !baseline || !boot || !cost) {
    throw new Error('a lifecycle step did not record its result');
  }
  const single = (route: string, mode: string) =>
    points.find((p) => p.workers === 1 && p.route === route && p.mode === mode)?.load.rps;
  const throughput: ThroughputPoint[] = points.map((p) => {
    const base = single(p.route, p.mode);
    return { ...p, vsSingle: base ? p.load.rps / base : null };
  });
  return {
    schema: 2,
    startedAt,
    quick: plan.quick,
    machine: benchMachine(),
    settings: {
      durationS: plan.durationS,
      warmupS: plan.warmupS,
      connections: plan.connections,
      routes: plan.routes.map((r) => r.path),
      modes: plan.modes,
      loadGenerator: 'autocannon in the bench process (one thread)',
    },
    configs,
    throughput,
    memory: { baseline, byConfig },
    boot,
    cost,
    database:
      databaseUrl === null
        ? { measured: false, missing: 'missing' in database ? database.missing : '' }
        : {
            measured: true,
            route: DB_COST_ROUTE,
            budget: DEFAULT_CONNECTION_BUDGET,
            pools: plan.configs.map((c) => ({
              workers: c.workers,
              perWorker: planPool(DEFAULT_CONNECTION_BUDGET, c.workers).perWorker,
            })),
            cost: life.costDatabase ?? null,
          },
    jobs:
      redisUrl === null || !life.jobs
        ? { measured: false, missing: 'missing' in redis ? redis.missing : 'not run' }
        : { measured: true, ...life.jobs },
    fleet:
      redisUrl === null || !life.fleet
        ? { measured: false, missing: 'missing' in redis ? redis.missing : 'not run' }
        : { measured: true, ...life.fleet },
    rateLimit:
      redisUrl === null
        ? { measured: false, missing: 'missing' in redis ? redis.missing : '' }
        : { measured: true, cost: life.costRateLimit ?? null },
    lifecycle: {
      workers: plan.lifecycleWorkers,
      bootMs,
      bootLoggedMs: bootLoggedMs ?? null,
      kill,
      reload,
      idleShutdown,
      slowShutdown: { ...slowShutdown, sleepMs: plan.slowRequestMs },
      primaryUnderLoad: life.primaryUnderLoad ?? null,
    },
  };
}

bootAndCostSteps();
for (const config of plan.configs) throughputSteps(config);
lifecycleSteps();

const progress = new Progress(steps);
for (const [index, step] of steps.entries()) {
  progress.begin(index);
  try {
    await step.run();
  } catch (err) {
    progress.end();
    process.stderr.write(`bench: "${step.label}" failed: ${err instanceof Error ? (err.stack ?? err.message) : err}\n`);
    killAll();
    if (keysIn !== null) await deleteBenchKeys(keysIn);
    process.exit(1);
  }
}
progress.end();
if (keysIn !== null) await deleteBenchKeys(keysIn);

const measured = assemble();
const targets = judgeTargets(measured);
const results: BenchResults = {
  ...measured,
  finishedAt: new Date().toISOString(),
  targets,
  checks: runChecks(measured),
  notes: writeNotes(measured, targets),
};
const file = await writeResults(results, args['results-dir']);
process.stdout.write(`${renderReport(results)}\n\nResults: ${path.relative(process.cwd(), file) || file}\n`);
process.exitCode = results.checks.every((c) => c.ok) ? 0 : 1;
