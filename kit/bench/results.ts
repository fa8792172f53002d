// The shape of bench/results/*.json: one place, so the table, the targets and the test agree.

import type { CostResults } from './cost.ts';
import type { FleetCost } from './fleet.ts';
import type { JobsBench } from './jobs.ts';
import type {
  IdleShutdownResult,
  KillResult,
  PrimaryUnderLoadResult,
  ReloadResult,
  SlowShutdownResult,
} from './lifecycle.ts';
import type { ConnectionMode, LoadResult } from './load.ts';
import type { BenchMachine } from './machine.ts';
import type { MemorySnapshot, NodeBaseline } from './memory.ts';
import type { ServerCpu } from './server-cpu.ts';
import type { CacheBoots } from './warm-boot.ts';

export interface Settings {
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly routes: readonly string[];
  readonly modes: readonly ConnectionMode[];
  readonly loadGenerator: string;
}

export interface ConfigResult {
  readonly workers: number;
  readonly labels: readonly string[];
  readonly ideal: number;
  /** Spawn -> "cluster ready" (or "listening" for one process), as the bench saw it. */
  readonly bootMs: number;
  readonly bootLoggedMs: number | null;
  /** SIGTERM to the group after the load -> exit. */
  readonly shutdownMs: number;
  readonly shutdownExitCode: number | null;
}

export interface ThroughputPoint {
  readonly workers: number;
  readonly config: string;
  readonly route: string;
  readonly mode: ConnectionMode;
  readonly ideal: number;
  /** req/s over the single process's on the same route and mode. */
  readonly vsSingle: number | null;
  readonly load: LoadResult;
  readonly serverCpu: ServerCpu;
  /** Lines the server wrote to stdout per response: the request log's share of the work. */
  readonly logLinesPerRequest: number;
}

export interface MemoryResults {
  readonly baseline: NodeBaseline;
  readonly byConfig: readonly ({ readonly workers: number; readonly config: string } & MemorySnapshot)[];
}

export interface LifecycleResults {
  readonly workers: number;
  readonly bootMs: number;
  readonly bootLoggedMs: number | null;
  readonly kill: KillResult;
  readonly reload: ReloadResult;
  readonly idleShutdown: IdleShutdownResult;
  readonly slowShutdown: SlowShutdownResult & { readonly sleepMs: number };
  /** Null in a quick run: a minute of load is not quick. */
  readonly primaryUnderLoad: PrimaryUnderLoadResult | null;
}

export type DatabaseResults =
  | { readonly measured: false; readonly missing: string }
  | {
      readonly measured: true;
      readonly route: string;
      /** DATABASE_CONNECTION_BUDGET, the default: what each config's workers share. */
      readonly budget: number;
      readonly pools: readonly { readonly workers: number; readonly perWorker: number }[];
      readonly cost: CostResults | null;
    };

export type JobsResults =
  | { readonly measured: false; readonly missing: string }
  | ({ readonly measured: true } & JobsBench);

export type FleetResults =
  | { readonly measured: false; readonly missing: string }
  | ({ readonly measured: true } & FleetCost);

export type RateLimitResults =
  | { readonly measured: false; readonly missing: string }
  | { readonly measured: true; readonly cost: CostResults | null };

export interface TargetResult {
  readonly id:
    | 'cluster-of-2'
    | 'reload'
    | 'idle-shutdown'
    | 'replace'
    | 'primary-private'
    | 'worker-private'
    | 'cost'
    | 'database-cost'
    | 'rate-limit-cost'
    | 'jobs-of-2'
    | 'jobs-cost'
    | 'primary-growth';
  readonly name: string;
  readonly target: string;
  readonly measured: string;
  /** Null when this machine cannot tell (no such config, no /proc). */
  readonly pass: boolean | null;
}

/** Correctness, not speed: a failed check makes the bench exit 1. */
export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface BenchResults {
  readonly schema: 2;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly quick: boolean;
  readonly machine: BenchMachine;
  readonly settings: Settings;
  readonly configs: readonly ConfigResult[];
  readonly throughput: readonly ThroughputPoint[];
  readonly memory: MemoryResults;
  /** Boot time and memory at rest with a cold and a warm compile cache. */
  readonly boot: CacheBoots;
  /** CPU per request against Express + Helmet alone. */
  readonly cost: CostResults;
  /** The database route, where a PostgreSQL answered: each config's pools, and CPU per request against Express + pg. */
  readonly database: DatabaseResults;
  /** The rate-limited route, where a Redis answered: CPU per request against express-rate-limit + rate-limit-redis. */
  readonly rateLimit: RateLimitResults;
  /** What reporting to the fleet costs a dyno, where a Redis answered: commands and CPU a second. */
  readonly fleet: FleetResults;
  /** The worker process type, where a Redis answered: jobs per second of 2 runners against 1, and CPU per job against bare BullMQ. */
  readonly jobs: JobsResults;
  readonly lifecycle: LifecycleResults;
  readonly targets: readonly TargetResult[];
  readonly checks: readonly Check[];
  readonly notes: readonly string[];
}
