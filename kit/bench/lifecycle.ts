// The supervisor's promises, timed: a dead worker comes back, a reload drops nothing, SIGTERM
// is quick when nothing is running and patient when something is. Every wait is on a log line,
// a socket event or the process's exit, never on a guess of how long something takes.
import http from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { AppProcess } from './cluster-process.ts';
import { type LoadResult, runLoad, startLoad } from './load.ts';
import { type MemoryMb, processMemoryMb } from './memory.ts';
import { unreadBytes } from './procfs.ts';

export interface KillResult {
  /** SIGKILL sent to one worker -> its replacement's "worker ready". */
  readonly ms: number;
  readonly killedPid: number;
  /** The primary's restart backoff, which is part of `ms`. */
  readonly restartDelayMs: number | null;
}

export interface ReloadResult {
  /** SIGHUP to the primary -> "rolling reload finished", as the bench saw it. */
  readonly ms: number;
  /** The primary's own figure from that line. */
  readonly loggedMs: number | null;
  readonly route: string;
  readonly connections: number;
  readonly load: LoadResult;
  /** errors + non-2xx + timeouts + requests dropped with their connection: the target is 0. */
  readonly failed: number;
}

export interface IdleShutdownResult {
  /** SIGTERM to the group -> the primary exited. */
  readonly ms: number;
  readonly loggedMs: number | null;
  readonly exitCode: number | null;
  readonly clients: number;
  /** Idle keep-alive connections the server closed before it exited. */
  readonly closedByServer: number;
}

export interface SlowShutdownResult {
  /** SIGTERM to the group -> the primary exited. */
  readonly ms: number;
  readonly exitCode: number | null;
  readonly status: number | null;
  /** Request sent -> last byte of its response. */
  readonly requestMs: number | null;
  /** Requests the workers said they were still serving when they began to drain. */
  readonly inFlightAtDrain: number;
  readonly error?: string;
}

export async function killAndReplace(app: AppProcess): Promise<KillResult> {
  const first = app.workerPids.entries().next();
  if (first.done) throw new Error('no worker to kill');
  const [id, pid] = first.value;
  const before = new Set(app.workerPids.keys());
  const restarting = app.waitFor('restarting worker', (l) => l.after === id);
  const replaced = app.waitFor('worker ready', (l) => !before.has(l.worker ?? -1));
  const sent = performance.now();
  process.kill(pid, 'SIGKILL');
  const [restart, ready] = await Promise.all([restarting, replaced]);
  const delayMs = restart.line.delayMs;
  return { ms: ready.at - sent, killedPid: pid, restartDelayMs: typeof delayMs === 'number' ? delayMs : null };
}

export async function reloadUnderLoad(
  app: AppProcess,
  options: { readonly route: string; readonly connections: number },
): Promise<ReloadResult> {
  const load = startLoad({
    url: `http://127.0.0.1:${app.port}${options.route}`,
    connections: options.connections,
    mode: 'keep-alive',
  });
  try {
    // Steady before and after: every connection has been answered many times over.
    const settle = options.connections * 20;
    await load.afterResponses(settle);
    const finished = app.waitFor('rolling reload finished', undefined, 60_000);
    const sent = performance.now();
    app.signalPrimary('SIGHUP');
    const done = await finished;
    await load.afterResponses(settle);
    const result = await load.stop();
    return {
      ms: done.at - sent,
      loggedMs: done.line.ms ?? null,
      route: options.route,
      connections: options.connections,
      load: result,
      failed: result.errors + result.non2xx + result.timeouts + result.dropped,
    };
  } finally {
    await load.stop();
  }
}

function get(agent: http.Agent | false, port: number, path: string) {
  return new Promise<{ status: number; socket: Socket }>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      const socket = res.socket;
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, socket }));
    });
    req.once('error', reject);
  });
}

export async function shutdownWithIdleClients(app: AppProcess, clients: number): Promise<IdleShutdownResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  try {
    // All at once, so the agent opens one socket per client instead of reusing the first.
    const answered = await Promise.all(Array.from({ length: clients }, () => get(agent, app.port, '/api/info')));
    const sockets = new Set(answered.map((a) => a.socket));
    // Counted until the primary exits: only the server can close them before agent.destroy().
    let closedByServer = 0;
    for (const socket of sockets) socket.once('close', () => (closedByServer += 1));
    const complete = app.waitFor('shutdown complete');
    complete.catch(() => {});
    const { ms, exit } = await app.stop();
    const loggedMs = (await complete.catch(() => undefined))?.line.ms ?? null;
    return { ms, loggedMs, exitCode: exit.code, clients: sockets.size, closedByServer };
  } finally {
    agent.destroy();
  }
}

/** Polls the kernel until the server has read everything sent on this connection. */
async function untilRead(serverPort: number, clientPort: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (unreadBytes(serverPort, clientPort) !== 0) {
    if (performance.now() > deadline) throw new Error(`the server did not read the request within ${timeoutMs} ms`);
    await delay(2);
  }
}

export async function shutdownWithSlowRequest(app: AppProcess, sleepMs: number): Promise<SlowShutdownResult> {
  const drainLines = [...app.workerPids.keys()].map((id) => app.waitFor('draining', (l) => l.proc === `worker ${id}`));
  for (const line of drainLines) line.catch(() => {});

  const sentAt = performance.now();
  const req = http.get({ host: '127.0.0.1', port: app.port, path: `/demo/sleep?ms=${sleepMs}`, agent: false });
  const response = new Promise<{ status: number; at: number }>((resolve, reject) => {
    req.once('response', (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, at: performance.now() }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
  response.catch(() => {});
  // In flight means a worker has read it: only then may SIGTERM arrive, or this would time a
  // request the server never saw.
  await new Promise<void>((resolve, reject) => {
    req.once('finish', resolve);
    req.once('error', reject);
  });
  await untilRead(app.port, req.socket?.localPort ?? 0, 5_000);

  const { ms, exit } = await app.stop();
  const drained = await Promise.all(drainLines.map((line) => line.catch(() => undefined)));
  const inFlightAtDrain = drained.reduce(
    (sum, d) => sum + (typeof d?.line.inFlight === 'number' ? d.line.inFlight : 0),
    0,
  );
  try {
    const res = await response;
    return { ms, exitCode: exit.code, status: res.status, requestMs: res.at - sentAt, inFlightAtDrain };
  } catch (err) {
    return { ms, exitCode: exit.code, status: null, requestMs: null, inFlightAtDrain, error: String(err) };
  }
}

export interface PrimaryUnderLoadResult {
  readonly seconds: number;
  readonly route: string;
  /** Connections handed from the primary to a worker: one per request in this load. */
  readonly requests: number;
  readonly before: MemoryMb;
  /** Right after the load. */
  readonly after: MemoryMb;
  /** Once the primary has idled long enough for V8 to give back what the load grew. */
  readonly idle: {
    /** Load end -> half of the growth given back; null when it was not within IDLE_LIMIT_S. */
    readonly seconds: number | null;
    readonly memory: MemoryMb;
  };
}

// V8's memory reducer shrinks an idle heap with a compacting GC: here it came 90 to 120 s after
// a load ended, in Node's own cluster as in the kit's.
export const IDLE_LIMIT_S = 180;

/**
 * A new connection per request: the primary accepts each one and hands it to a worker, the
 * only work that makes a primary allocate. Its memory before, right after, and once it has idled
 * says what it grows while busy and what it keeps.
 */
export async function primaryUnderHandOffs(
  app: AppProcess,
  options: { readonly seconds: number; readonly route: string; readonly connections: number },
): Promise<PrimaryUnderLoadResult> {
  const before = processMemoryMb(app.pid);
  const load = await runLoad({
    url: `http://127.0.0.1:${app.port}${options.route}`,
    connections: options.connections,
    mode: 'close',
    durationS: options.seconds,
  });
  const ended = performance.now();
  const after = processMemoryMb(app.pid);
  return {
    seconds: options.seconds,
    route: options.route,
    requests: load.requests,
    before,
    after,
    idle: await idled(app.pid, before, after, ended),
  };
}

/** Polls the primary's memory until half of what the load grew is given back, or the limit. */
async function idled(
  pid: number,
  before: MemoryMb,
  after: MemoryMb,
  ended: number,
): Promise<PrimaryUnderLoadResult['idle']> {
  if (before.privateMb === null || after.privateMb === null) return { seconds: null, memory: after };
  const halfway = (before.privateMb + after.privateMb) / 2;
  let memory = after;
  // No event says the heap shrank: /proc is read once a second, which is all the answer needs.
  while (performance.now() - ended < IDLE_LIMIT_S * 1000) {
    await delay(1_000);
    memory = processMemoryMb(pid);
    if (memory.privateMb !== null && memory.privateMb <= halfway)
      return { seconds: Math.round((performance.now() - ended) / 1000), memory };
  }
  return { seconds: null, memory };
}
