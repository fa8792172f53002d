// autocannon, run inside the bench process so process.cpuUsage() tells what the load
// generator itself cost, with two fixes to how its connections end.
//
// autocannon cannot turn keep-alive off. Checked against this server:
// - `reconnectRate: 1` reconnects after every response but never emits it: 0 requests counted.
// - a `connection: close` header makes the server answer `Connection: close` and close, but
//   autocannon writes its next request on that closing socket before it sees the FIN: each
//   request is sent twice, half die unanswered and uncounted, and the queue of requests
//   awaiting an answer grows, so latencies climb into seconds.
// So every client here, in either mode, does what an HTTP client must: after a response that
// says `Connection: close` it sends nothing more on that socket and waits for the server's
// FIN, on which autocannon reconnects by itself. Counting those FINs proves the server closed.
import autocannon, { type Client, type Instance, type Result } from 'autocannon';

export type ConnectionMode = 'keep-alive' | 'close';

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly mode: ConnectionMode;
  /** Seconds; without it the load runs until stop(). */
  readonly durationS?: number;
  /** Requests in all: ends the load after this many, whichever comes first. */
  readonly amount?: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly durationS: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly timeouts: number;
  /** Requests whose connection the server closed before answering: autocannon counts them nowhere. */
  readonly dropped: number;
  /** Connections the server closed (its FIN reached us). */
  readonly serverClosed: number;
  /** Responses that said `Connection: close`. */
  readonly closeAnnounced: number;
  /** CPU the bench process used while the load ran, in % of one core. */
  readonly loadgenCpuPct: number;
}

export interface Load {
  /** Resolves once `count` more responses have arrived. */
  afterResponses(count: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<LoadResult>;
  readonly done: Promise<LoadResult>;
}

interface Counters {
  dropped: number;
  serverClosed: number;
  closeAnnounced: number;
}

/** The private parts of autocannon 9's Client (lib/httpClient.js) that the fixes wrap. */
interface ClientInternals {
  _connect(): void;
  _doRequest(): void;
  conn: NodeJS.EventEmitter;
  pipelinedRequests: { size(): number };
}

function instrument(client: Client, counters: Counters): void {
  const internals = client as unknown as ClientInternals;
  if (typeof internals._connect !== 'function' || typeof internals._doRequest !== 'function') {
    throw new Error('autocannon internals changed: kit/bench/load.ts needs updating');
  }
  let closing = false;
  client.on('headers', (head) => {
    if (head.shouldKeepAlive) return;
    closing = true;
    counters.closeAnnounced += 1;
  });
  const doRequest = internals._doRequest;
  internals._doRequest = function (this: ClientInternals) {
    if (closing) {
      closing = false;
      return;
    }
    doRequest.call(this);
  };
  // setupClient runs before the first _connect, so every connection gets the listener.
  const connect = internals._connect;
  internals._connect = function (this: ClientInternals) {
    connect.call(this);
    // Prepended: autocannon's own 'end' listener reconnects and queues the next request.
    this.conn.prependListener('end', () => {
      counters.serverClosed += 1;
      if (this.pipelinedRequests.size() > 0) counters.dropped += 1;
    });
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

const OPEN_ENDED_S = 3600;

export function startLoad(options: LoadOptions): Load {
  const counters: Counters = { dropped: 0, serverClosed: 0, closeAnnounced: 0 };
  // autocannon's histogram has 1 ms steps, too coarse for a route that answers in 0.3 ms.
  const latencies: number[] = [];
  const waiters = new Set<{ target: number; resolve: () => void }>();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();

  const instance: Instance = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationS ?? OPEN_ENDED_S,
    ...(options.amount === undefined ? {} : { amount: options.amount }),
    headers: options.mode === 'close' ? { connection: 'close' } : {},
    setupClient: (client) => instrument(client, counters),
  });
  instance.on('response', (_client, _status, _bytes, ms) => {
    latencies.push(ms);
    for (const waiter of waiters) {
      if (latencies.length < waiter.target) continue;
      waiters.delete(waiter);
      waiter.resolve();
    }
  });

  const done = Promise.resolve(instance).then((result: Result): LoadResult => {
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const sorted = Float64Array.from(latencies).sort();
    const durationS = result.duration || wallMs / 1000;
    return {
      requests: result.requests.total,
      durationS,
      rps: result.requests.total / durationS,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      errors: result.errors,
      non2xx: result.non2xx,
      timeouts: result.timeouts,
      ...counters,
      loadgenCpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    };
  });

  return {
    afterResponses(count, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`fewer than ${count} responses from ${options.url} within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = {
          target: latencies.length + count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        waiters.add(waiter);
      });
    },
    stop() {
      instance.stop();
      return done;
    },
    done,
  };
}

export function runLoad(options: LoadOptions & { readonly durationS: number }): Promise<LoadResult> {
  return startLoad(options).done;
}
