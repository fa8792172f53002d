// What the kit adds to a request, in CPU: one process serving /api/info, against the same
// handler in Express with Helmet alone (bench/baseline-app.ts), and against the kit with its
// request lines off. Each round loads every server in turn with the same number of keep-alive
// requests and reads the CPU the server's process used from /proc; the medians over the rounds
// are reported, so one disturbed round does not decide.
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { type AppProcess, type LaunchOptions, launch } from './cluster-process.ts';
import { startLoad } from './load.ts';
import { cpuSeconds } from './procfs.ts';

export const COST_ROUTE = '/api/info';

export interface CostServer {
  readonly name: string;
  readonly launch: LaunchOptions;
  readonly freePort?: boolean;
}

async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

export const COST_SERVERS: readonly CostServer[] = [
  { name: 'Express + Helmet alone', launch: { entry: 'bench/baseline-app.ts' } },
  { name: 'the kit, LOG_LEVEL=info', launch: { env: { LOG_LEVEL: 'info' } } },
  // At warn it does not log "listening" either: it is ready when its port answers.
  { name: 'the kit, LOG_LEVEL=warn (no request lines)', launch: { env: { LOG_LEVEL: 'warn' } }, freePort: true },
];

export interface CostRow {
  readonly name: string;
  /** Median over the rounds of the server's CPU time per request, in microseconds. */
  readonly cpuUsPerRequest: number | null;
  /** Median over the rounds. */
  readonly rps: number;
  /** cpuUsPerRequest over the first row's. */
  readonly vsBaseline: number | null;
  readonly perRound: readonly { readonly cpuUsPerRequest: number | null; readonly rps: number }[];
}

export interface CostResults {
  readonly route: string;
  readonly rounds: number;
  readonly requestsPerRound: number;
  readonly connections: number;
  readonly rows: readonly CostRow[];
}

const median = (values: readonly number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? null) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

async function round(app: AppProcess, requests: number, connections: number) {
  const before = cpuSeconds(app.pid);
  const started = performance.now();
  const load = startLoad({
    url: `http://127.0.0.1:${app.port}${COST_ROUTE}`,
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
  readonly rounds: number;
  readonly requests: number;
  readonly connections: number;
  readonly env: Readonly<Record<string, string>>;
}): Promise<CostResults> {
  const apps: AppProcess[] = [];
  try {
    for (const server of COST_SERVERS) {
      const port = server.freePort ? await freePort() : undefined;
      const { app } = await launch(1, { ...server.launch, port, env: { ...options.env, ...server.launch.env } });
      apps.push(app);
      // Warm: V8 has optimized the hot path before anything is counted.
      await round(app, Math.ceil(options.requests / 4), options.connections);
    }
    const perRound: { cpuUsPerRequest: number | null; rps: number }[][] = COST_SERVERS.map(() => []);
    for (let r = 0; r < options.rounds; r += 1) {
      // Rotate who goes first, so a neighbour's burst does not always land on the same server.
      for (let i = 0; i < apps.length; i += 1) {
        const index = (i + r) % apps.length;
        perRound[index]?.push(await round(apps[index] as AppProcess, options.requests, options.connections));
      }
    }
    const cpu = perRound.map((rounds) =>
      median(rounds.flatMap((x) => (x.cpuUsPerRequest === null ? [] : [x.cpuUsPerRequest]))),
    );
    const baseline = cpu[0] ?? null;
    return {
      route: COST_ROUTE,
      rounds: options.rounds,
      requestsPerRound: options.requests,
      connections: options.connections,
      rows: COST_SERVERS.map((server, i) => ({
        name: server.name,
        cpuUsPerRequest: cpu[i] ?? null,
        rps: median((perRound[i] ?? []).map((x) => x.rps)) ?? 0,
        vsBaseline: cpu[i] != null && baseline ? (cpu[i] as number) / baseline : null,
        perRound: perRound[i] ?? [],
      })),
    };
  } finally {
    for (const app of apps) await app.stop();
  }
}
