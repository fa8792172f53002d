// What to measure and for how long, decided from the machine and --quick before anything runs,
// so the progress line can estimate the time left from the start.
import type { ConnectionMode } from './load.ts';

export interface ServerConfig {
  readonly workers: number;
  /** Every name this worker count answers to, e.g. "cluster of 2" and "cores" on a 2-core machine. */
  readonly labels: readonly string[];
  /** The best speed-up over a single process it can reach: one process per core at most. */
  readonly ideal: number;
}

export interface Route {
  readonly path: string;
  /** `db`: one query through the pool per request, measured only where a PostgreSQL answers. */
  readonly kind: 'cpu' | 'light' | 'db';
}

export interface Plan {
  readonly quick: boolean;
  readonly cores: number;
  readonly configs: readonly ServerConfig[];
  readonly routes: readonly Route[];
  readonly modes: readonly ConnectionMode[];
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  /** Workers of the cluster the lifecycle timings run on: production's default, at least 2. */
  readonly lifecycleWorkers: number;
  readonly slowRequestMs: number;
  readonly idleClients: number;
  /** CPU per request: rounds, and keep-alive requests per server per round. */
  readonly costRounds: number;
  readonly costRequests: number;
  /** Seconds of a new connection per request before the primary's memory is read again; 0 skips it. */
  readonly primaryLoadS: number;
  /** CPU per request on the database route: rounds and requests, slower per request than /api/info. */
  readonly dbCostRounds: number;
  readonly dbCostRequests: number;
  /** CPU per request on the rate-limited route: a Redis round trip each, like the database's. */
  readonly rlCostRounds: number;
  readonly rlCostRequests: number;
}

export const ROUTES: readonly Route[] = [
  { path: '/demo/cpu?ms=5', kind: 'cpu' },
  { path: '/api/info', kind: 'light' },
];
export const DB_ROUTE: Route = { path: '/demo/db-sleep?ms=0', kind: 'db' };

// Leaves the full run room for boots, warm-ups and lifecycle timings inside 3 minutes, even
// on machines with more cores (more configs), where the points get shorter instead.
const FULL_THROUGHPUT_BUDGET_S = 125;

export function configLabel(config: ServerConfig): string {
  return `${config.labels.join(' = ')} (${config.workers})`;
}

function serverConfigs(cores: number, quick: boolean): ServerConfig[] {
  const wanted: [number, string][] = quick
    ? [
        [1, 'single'],
        [2, 'cluster of 2'],
      ]
    : [
        [1, 'single'],
        [2, 'cluster of 2'],
        [cores, 'cores'],
        [2 * cores, '2x cores (oversubscribed)'],
      ];
  const byWorkers = new Map<number, string[]>();
  for (const [workers, label] of wanted) {
    const labels = byWorkers.get(workers) ?? [];
    labels.push(label);
    byWorkers.set(workers, labels);
  }
  return [...byWorkers]
    .sort(([a], [b]) => a - b)
    .map(([workers, labels]) => ({ workers, labels, ideal: Math.min(workers, cores) }));
}

export function makePlan(cores: number, quick: boolean, database: boolean): Plan {
  const configs = serverConfigs(cores, quick);
  const modes: ConnectionMode[] = quick ? ['keep-alive'] : ['keep-alive', 'close'];
  const routes = database ? [...ROUTES, DB_ROUTE] : ROUTES;
  const points = configs.length * routes.length * modes.length;
  return {
    quick,
    cores,
    configs,
    routes,
    modes,
    durationS: quick ? 1.5 : Math.max(3, Math.min(10, Math.floor(FULL_THROUGHPUT_BUDGET_S / points))),
    warmupS: quick ? 0.5 : 1,
    // Enough connections to keep every worker of the largest config busy.
    connections: Math.max(10, 2 * Math.max(...configs.map((c) => c.workers))),
    lifecycleWorkers: Math.max(2, cores),
    slowRequestMs: 1000,
    idleClients: 4,
    costRounds: quick ? 1 : 9,
    // 40,000, as the issue measured: CPU time comes from /proc in 10 ms ticks, about 1% of a
    // round this long.
    costRequests: quick ? 3_000 : 40_000,
    primaryLoadS: quick ? 0 : 60,
    dbCostRounds: quick ? 1 : 7,
    dbCostRequests: quick ? 1_000 : 10_000,
    rlCostRounds: quick ? 1 : 7,
    rlCostRequests: quick ? 1_000 : 10_000,
  };
}
