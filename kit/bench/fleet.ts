// What reporting to the fleet costs a dyno (src/runtime/cluster/fleet.ts): the Redis commands it
// sends a second, idle and under load, and the CPU its processes use a second while idle, with
// Redis attached and reporting, and without. Commands are read from Redis's own INFO
// commandstats, counting only the commands a report sends.
import { setTimeout as delay } from 'node:timers/promises';
import { createClient } from 'redis';
import { FLEET_INTERVAL_MS } from '../../src/runtime/cluster/fleet.ts';
import { type AppProcess, launch } from './cluster-process.ts';
import { startLoad } from './load.ts';
import { cpuSeconds } from './procfs.ts';

/** What a report sends: its writes, and the reads of the others. */
const REPORT_COMMANDS = ['set', 'zadd', 'xadd', 'zremrangebyscore', 'zrange', 'mget', 'xrevrange'];

export interface FleetWindow {
  readonly commandsPerS: number | null;
  /** CPU of the primary and every worker, in ms per second of wall time. */
  readonly cpuMsPerS: number | null;
  readonly requestsPerS: number;
}

export interface FleetCost {
  readonly workers: number;
  readonly windowS: number;
  readonly intervalMs: number;
  readonly idle: FleetWindow;
  readonly loaded: FleetWindow;
  readonly withoutRedis: FleetWindow;
}

async function reportCommands(url: string): Promise<number> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  try {
    const stats = await client.info('commandstats');
    return REPORT_COMMANDS.reduce(
      (sum, name) => sum + Number(stats.match(new RegExp(`^cmdstat_${name}:calls=(\\d+)`, 'm'))?.[1] ?? 0),
      0,
    );
  } finally {
    client.destroy();
  }
}

const dynoCpu = (app: AppProcess) => {
  const each = [...new Set([app.pid, ...app.workerPids.values()])].map(cpuSeconds);
  return each.some((s) => s === null) ? null : each.reduce((sum: number, s) => sum + (s ?? 0), 0);
};

/** One window of `seconds`: commands (with `url`) and CPU, under load on `route` when given. */
async function window(
  app: AppProcess,
  seconds: number,
  url: string | null,
  load?: { route: string; connections: number },
) {
  const commands = url === null ? null : await reportCommands(url);
  const cpu = dynoCpu(app);
  const started = performance.now();
  const running = load
    ? startLoad({
        url: `http://127.0.0.1:${app.port}${load.route}`,
        connections: load.connections,
        mode: 'keep-alive',
        durationS: seconds,
      })
    : undefined;
  let answered = 0;
  if (running) answered = (await running.done).requests;
  else await delay(seconds * 1000);
  const wallS = (performance.now() - started) / 1000;
  const cpuAfter = dynoCpu(app);
  const commandsAfter = url === null ? null : await reportCommands(url);
  return {
    commandsPerS: commands === null || commandsAfter === null ? null : (commandsAfter - commands) / wallS,
    cpuMsPerS: cpu === null || cpuAfter === null ? null : ((cpuAfter - cpu) * 1000) / wallS,
    requestsPerS: answered / wallS,
  };
}

export async function measureFleetCost(options: {
  readonly redisUrl: string;
  readonly workers: number;
  readonly seconds: number;
  readonly connections: number;
  readonly env: Readonly<Record<string, string>>;
}): Promise<FleetCost> {
  const { redisUrl, workers, seconds } = options;
  const reporting = await launch(workers, { env: { ...options.env, REDIS_URL: redisUrl } });
  let idle: FleetWindow;
  let loaded: FleetWindow;
  try {
    // Past its first report, so every window holds reports at the steady rate.
    await delay(FLEET_INTERVAL_MS);
    idle = await window(reporting.app, seconds, redisUrl);
    loaded = await window(reporting.app, seconds, redisUrl, { route: '/api/info', connections: options.connections });
  } finally {
    await reporting.app.stop();
  }
  const alone = await launch(workers, { env: options.env });
  let withoutRedis: FleetWindow;
  try {
    await delay(FLEET_INTERVAL_MS);
    withoutRedis = await window(alone.app, seconds, null);
  } finally {
    await alone.app.stop();
  }
  return { workers, windowS: seconds, intervalMs: FLEET_INTERVAL_MS, idle, loaded, withoutRedis };
}
