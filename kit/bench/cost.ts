// What the kit adds to a request, in CPU: one process serving /api/info, against the same
// handler in Express with Helmet alone (kit/bench/baseline-app.ts), against that server again in a
// second process (the control, for the noise), against the kit with its request lines off, and
// against a yardstick: Express + Helmet with 3 µs of busy work added to each request. Each
// round loads every server in turn with the same number of keep-alive requests and reads the
// CPU the server's process used from /proc. A server's ratio is the median over the rounds of
// its CPU over the baseline's in the same round, so a slow minute on a shared machine moves
// both sides of a ratio, not one.
//
// Every server writes its stdout into a pipe that a process of its own reads, as on a dyno,
// where the platform, not the app, reads what the processes write. The bench process is the
// load generator: reading the kit's 20,000 lines a second there slowed the load the kit got
// and not the baseline's, and measured the kit about 5% dearer.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { freePort } from '../harness/ports.ts';
import { type AppProcess, type LaunchOptions, launch } from './cluster-process.ts';
import { startLoad } from './load.ts';
import { cpusForServer, pinThisProcess } from './pinning.ts';
import { cpuSeconds } from './procfs.ts';

export const COST_ROUTE = '/api/info';
export const YARDSTICK_US = 3;

export interface CostServer {
  readonly name: string;
  readonly launch: LaunchOptions;
  /** Live pages kept open on /api/cluster/events while it is measured. */
  readonly watchers?: number;
}

export const CONTROL_NAME = 'control: Express + Helmet alone, a second process';
export const KIT_NAME = 'the kit, LOG_LEVEL=info';
export const WATCHED_NAME = 'the kit, LOG_LEVEL=info, 10 pages watching the timeline';

/** Opens `count` streams of the live timeline, as pages would, reading what they send. */
function watch(port: number, count: number): Promise<http.ClientRequest[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<http.ClientRequest>((resolve, reject) => {
          const req = http.get({ host: '127.0.0.1', port, path: '/api/cluster/events', agent: false }, (res) => {
            if (res.statusCode !== 200) reject(new Error(`/api/cluster/events answered ${res.statusCode}`));
            res.resume();
            resolve(req);
          });
          req.on('error', reject);
        }),
    ),
  );
}

export const COST_SERVERS: readonly CostServer[] = [
  { name: 'Express + Helmet alone', launch: { entry: 'kit/bench/baseline-app.ts' } },
  // The same server again: what its ratio strays from 1.00 is what two processes differ by
  // with nothing between them (where each landed in memory, what V8 optimized when).
  { name: CONTROL_NAME, launch: { entry: 'kit/bench/baseline-app.ts' } },
  { name: KIT_NAME, launch: { env: { LOG_LEVEL: 'info' } } },
  { name: 'the kit, LOG_LEVEL=warn (no request lines)', launch: { env: { LOG_LEVEL: 'warn' } } },
  // The live timeline must cost the requests nothing: ten pages streaming the whole time.
  { name: WATCHED_NAME, launch: { env: { LOG_LEVEL: 'info' } }, watchers: 10 },
  {
    name: `yardstick: Express + Helmet + ${YARDSTICK_US} us of busy work`,
    launch: { entry: 'kit/bench/baseline-app.ts', env: { BUSY_US: String(YARDSTICK_US) } },
  },
];

/**
 * The database route: one query through the pool, and nothing else (`select pg_sleep(0)`),
 * against the same route in Express + Helmet + pg with a pool of the same size.
 */
export const DB_COST_ROUTE = '/demo/db-sleep?ms=0';
export const DB_BASELINE_NAME = 'Express + Helmet + pg alone';
export const DB_CONTROL_NAME = 'control: Express + Helmet + pg alone, a second process';
export const DB_KIT_NAME = 'the kit, LOG_LEVEL=info';

export function databaseCostServers(url: string): readonly CostServer[] {
  const env = { DATABASE_URL: url };
  return [
    { name: DB_BASELINE_NAME, launch: { entry: 'kit/bench/baseline-app.ts', env } },
    { name: DB_CONTROL_NAME, launch: { entry: 'kit/bench/baseline-app.ts', env } },
    { name: DB_KIT_NAME, launch: { env: { ...env, LOG_LEVEL: 'info' } } },
  ];
}

export interface CostRow {
  readonly name: string;
  /** Median over the rounds of the server's CPU time per request, in microseconds. */
  readonly cpuUsPerRequest: number | null;
  /** Median over the rounds. */
  readonly rps: number;
  /** Median over the rounds of this server's CPU per request over the first row's. */
  readonly vsBaseline: number | null;
  readonly perRound: readonly { readonly cpuUsPerRequest: number | null; readonly rps: number }[];
}

export interface CostResults {
  readonly route: string;
  readonly rounds: number;
  readonly requestsPerRound: number;
  readonly connections: number;
  /** The CPU each server ran on alone, or null where it could not be pinned. */
  readonly serverCpu: number | null;
  readonly rows: readonly CostRow[];
}

const median = (values: readonly number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? null) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

async function round(app: AppProcess, route: string, requests: number, connections: number) {
  const before = cpuSeconds(app.pid);
  const started = performance.now();
  const load = startLoad({
    url: `http://127.0.0.1:${app.port}${route}`,
    connections,
    mode: 'keep-alive',
    amount: requests,
  });
  // The last response, not the end of the run: autocannon ends a run on its next 1 s tick.
  await load.afterResponses(requests, 60_000);
  const wallS = (performance.now() - started) / 1000;
  const after = cpuSeconds(app.pid);
  const { requests: answered } = await load.done;
  const cpuUsPerRequest = before === null || after === null ? null : ((after - before) / answered) * 1e6;
  return { cpuUsPerRequest, rps: answered / wallS };
}

export async function measureCost(options: {
  readonly servers: readonly CostServer[];
  readonly route: string;
  readonly rounds: number;
  readonly requests: number;
  readonly connections: number;
  readonly env: Readonly<Record<string, string>>;
}): Promise<CostResults> {
  const apps: AppProcess[] = [];
  const streams: http.ClientRequest[] = [];
  const cpus = cpusForServer();
  const cpu = cpus?.server;
  const unpin = cpus ? pinThisProcess(cpus.others) : () => {};
  // `cat`, not a file: a pipe is what a dyno's stdout is, and a write to a file costs more.
  // Kept off the server's CPU, which runs the server alone.
  const reader = spawn(cpus ? 'taskset' : 'cat', cpus ? ['--cpu-list', cpus.others, 'cat'] : [], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  try {
    for (const server of options.servers) {
      // Ready when the port answers: the bench reads none of the server's lines.
      const port = await freePort();
      const env = { ...options.env, ...server.launch.env };
      const { app } = await launch(1, { ...server.launch, port, env, cpu, stdout: reader.stdin });
      apps.push(app);
      if (server.watchers) streams.push(...(await watch(port, server.watchers)));
      // Warm, a whole round: after a quarter of one, every server's first counted round still
      // came out a third slower than the rest.
      await round(app, options.route, options.requests, options.connections);
    }
    const perRound: { cpuUsPerRequest: number | null; rps: number }[][] = options.servers.map(() => []);
    for (let r = 0; r < options.rounds; r += 1) {
      // Rotate who goes first, so a neighbour's burst does not always land on the same server.
      for (let i = 0; i < apps.length; i += 1) {
        const index = (i + r) % apps.length;
        perRound[index]?.push(
          await round(apps[index] as AppProcess, options.route, options.requests, options.connections),
        );
      }
    }
    const baseline = perRound[0] ?? [];
    return {
      route: options.route,
      rounds: options.rounds,
      requestsPerRound: options.requests,
      connections: options.connections,
      serverCpu: cpu ?? null,
      rows: options.servers.map((server, i) => {
        const rounds = perRound[i] ?? [];
        const ratios = rounds.flatMap((x, r) => {
          const base = baseline[r]?.cpuUsPerRequest;
          return x.cpuUsPerRequest === null || !base ? [] : [x.cpuUsPerRequest / base];
        });
        return {
          name: server.name,
          cpuUsPerRequest: median(rounds.flatMap((x) => (x.cpuUsPerRequest === null ? [] : [x.cpuUsPerRequest]))),
          rps: median(rounds.map((x) => x.rps)) ?? 0,
          vsBaseline: median(ratios),
          perRound: rounds,
        };
      }),
    };
  } finally {
    for (const stream of streams) stream.destroy();
    for (const app of apps) await app.stop();
    reader.kill();
    unpin();
  }
}

/**
 * A rate-limited route, counting in Redis: an app on the kit with one `rateLimit` (the tests'
 * fixture), against express-rate-limit + rate-limit-redis in Express + Helmet alone. The limit is
 * out of reach, so every request is counted and let through: what is measured is the counting.
 */
export const RL_COST_ROUTE = `/limited?key=bench-${process.pid}`;
export const RL_BASELINE_NAME = 'Express + Helmet + express-rate-limit + rate-limit-redis alone';
export const RL_KIT_NAME = 'the kit, rateLimit counting in Redis, LOG_LEVEL=info';

export function rateLimitCostServers(url: string): readonly CostServer[] {
  const limit = String(1e9);
  return [
    {
      name: RL_BASELINE_NAME,
      launch: { entry: 'kit/bench/baseline-app.ts', env: { RATE_LIMIT_REDIS_URL: url, LIMIT: limit } },
    },
    {
      name: 'control: the same, a second process',
      launch: { entry: 'kit/bench/baseline-app.ts', env: { RATE_LIMIT_REDIS_URL: url, LIMIT: limit } },
    },
    {
      name: RL_KIT_NAME,
      launch: { entry: 'kit/test/fixtures/redis-app.ts', env: { REDIS_URL: url, LIMIT: limit, LOG_LEVEL: 'info' } },
    },
  ];
}
