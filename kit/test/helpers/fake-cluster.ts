// The real supervisor (startPrimary) over fake workers, in this process: each fake does what
// the test's script says once it is forked, so a crash loop, the backoff or a reload's order
// runs in milliseconds. The tests under processes/ run the same supervisor over real processes.
import { EventEmitter } from 'node:events';
import type { TestContext } from 'node:test';
import type { ClusterEvent } from '../../../src/runtime/cluster/events.ts';
import type { PrimaryMessage, WorkerMessage } from '../../../src/runtime/cluster/messages.ts';
import { type PrimaryOptions, type Supervisor, startPrimary } from '../../../src/runtime/cluster/primary.ts';
import type { Fields, Logger } from '../../../src/runtime/log/log.ts';

export interface Line {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly msg: string;
  readonly [field: string]: unknown;
}

export const byMsg =
  (msg: string, fields: Record<string, unknown> = {}) =>
  (line: Line) =>
    line.msg === msg && Object.entries(fields).every(([key, value]) => line[key] === value);

let asks = 0;

/** A process as node:cluster would hand the supervisor one, doing only what it is told. */
export class FakeWorker extends EventEmitter {
  readonly id: number;
  readonly env: Readonly<Record<string, string>>;
  /** The signals the supervisor sent it, in order. */
  readonly signals: NodeJS.Signals[] = [];
  /** What the supervisor sent it, in order. */
  readonly received: PrimaryMessage[] = [];
  /** Left running by a drain or SIGTERM, as a worker stuck on a request would be. */
  stubborn = false;
  /** False early in a worker's boot, before its signal handlers exist: SIGTERM then kills it. */
  handlesSignals = true;
  /** Answers a metrics scrape; set to false, it stays silent, as a busy worker would. */
  metrics: unknown[] | false = [];
  exited = false;
  readonly process: { readonly pid: number; kill(signal: NodeJS.Signals): boolean };
  readonly #trace: string[];

  constructor(id: number, env: Readonly<Record<string, string>>, trace: string[]) {
    super();
    this.id = id;
    this.env = env;
    this.#trace = trace;
    this.process = {
      pid: 10_000 + id,
      kill: (signal) => {
        this.signals.push(signal);
        // A real worker's 'exit' comes later than the signal, never within the call.
        if (signal === 'SIGKILL' || !this.handlesSignals) setImmediate(() => this.exit(null, signal));
        else if (!this.stubborn) setImmediate(() => this.exit(0));
        return true;
      },
    };
  }

  isConnected(): boolean {
    return !this.exited;
  }

  send(message: PrimaryMessage, _handle: undefined, callback: (error: Error | null) => void): boolean {
    this.received.push(message);
    if (message.type === 'drain') {
      this.#trace.push(`drain ${this.id}`);
      if (!this.stubborn) setImmediate(() => this.exit(0));
    }
    if (message.type === 'collect' && this.metrics !== false) {
      const metrics = this.metrics;
      setImmediate(() => this.post({ type: 'collected', id: message.id, metrics } as WorkerMessage));
    }
    this.emit('received', message);
    queueMicrotask(() => callback(null));
    return true;
  }

  /** A message to the supervisor, as a worker's process.send() makes one. */
  post(message: WorkerMessage): void {
    if (!this.exited) this.emit('message', message);
  }

  ready(port = 3000): void {
    this.#trace.push(`ready ${this.id}`);
    this.post({ type: 'ready', port });
  }

  /** Dies before it is ready, as a worker that cannot open a resource or listen does. */
  fail(reason: string): void {
    this.post({ type: 'failed', reason });
    this.exit(1);
  }

  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (this.exited) return;
    this.exited = true;
    this.#trace.push(`exit ${this.id}`);
    this.emit('exit', code, signal);
  }

  /** The first message of `type` the supervisor sent it, sent already or still to come. */
  next<T extends PrimaryMessage['type']>(type: T): Promise<Extract<PrimaryMessage, { type: T }>> {
    const isIt = (m: PrimaryMessage): m is Extract<PrimaryMessage, { type: T }> => m.type === type;
    const seen = this.received.find(isIt);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => {
      const listener = (m: PrimaryMessage) => {
        if (!isIt(m)) return;
        this.off('received', listener);
        resolve(m);
      };
      this.on('received', listener);
    });
  }

  /** The timeline events it was sent while watching. */
  events(): ClusterEvent[] {
    return this.received.flatMap((m) => (m.type === 'events' ? m.events : []));
  }

  /** Asks the supervisor, as a worker does for a request, and resolves with the answer. */
  async ask(question: Extract<WorkerMessage, { type: 'ask' }>['question']): Promise<unknown> {
    asks += 1;
    const id = asks;
    const answered = new Promise<unknown>((resolve) => {
      const listener = (m: PrimaryMessage) => {
        if (m.type !== 'answer' || m.id !== id) return;
        this.off('received', listener);
        resolve(m.body);
      };
      this.on('received', listener);
    });
    this.post({ type: 'ask', id, question });
    return answered;
  }
}

/** What the n-th worker forked (from 1) does once forked; by default it says it is ready. */
export type Script = (worker: FakeWorker, n: number) => void;

export interface FakeCluster {
  readonly supervisor: Supervisor;
  /** Every worker forked, in order: the n-th has id n. */
  readonly workers: FakeWorker[];
  readonly lines: Line[];
  /** What happened to the workers, in order: `fork 3`, `ready 3`, `drain 1`, `exit 1`. */
  readonly trace: string[];
  /** The first line that matches, logged already or still to come. */
  waitFor(match: (line: Line) => boolean): Promise<Line>;
  /** The n-th worker (its id), which the test knows is forked already. */
  worker(n: number): FakeWorker;
  /** The n-th worker, once it is forked. */
  forked(n: number): Promise<FakeWorker>;
}

export function fakeCluster(
  t: TestContext,
  overrides: Partial<PrimaryOptions> & { readonly script?: Script } = {},
): FakeCluster {
  const { script = (w) => w.ready(), ...options } = overrides;
  const lines: Line[] = [];
  const waiters = new Set<{ match: (line: Line) => boolean; resolve: (line: Line) => void }>();
  const write =
    (level: Line['level']) =>
    (msg: string, fields: Fields = {}) => {
      const line: Line = { ...fields, level, msg };
      lines.push(line);
      for (const waiter of waiters) {
        if (!waiter.match(line)) continue;
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    };
  const log: Logger = {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    request: () => {},
    child: () => log,
  };
  const workers: FakeWorker[] = [];
  const trace: string[] = [];
  const forks = new EventEmitter();
  const supervisor = startPrimary({
    instance: 'web.1',
    workers: 2,
    plan: { count: 2, source: 'WEB_CONCURRENCY', reason: 'test' },
    log,
    shutdownTimeoutMs: 5_000,
    readyTimeoutMs: 5_000,
    memoryBudgetBytes: 512 * 1024 * 1024,
    backoff: { initialMs: 2, maxMs: 16 },
    scrapeTimeoutMs: 5_000,
    ...options,
    fork(env) {
      const worker = new FakeWorker(workers.length + 1, env, trace);
      workers.push(worker);
      trace.push(`fork ${worker.id}`);
      // As a real worker, it acts only after fork() has returned and the supervisor listens.
      setImmediate(() => {
        script(worker, worker.id);
        forks.emit('fork', worker);
      });
      return worker;
    },
  });
  // Whatever the test left running stops, so no timer outlives it.
  t.after(async () => {
    supervisor.shutdown('the test is over');
    await supervisor.exited;
  });
  return {
    supervisor,
    workers,
    lines,
    trace,
    waitFor(match) {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.add({ match, resolve }));
    },
    worker(n) {
      const worker = workers[n - 1];
      if (!worker) throw new Error(`worker ${n} is not forked yet (${workers.length} are)`);
      return worker;
    },
    forked(n) {
      const worker = workers[n - 1];
      if (worker) return Promise.resolve(worker);
      return new Promise((resolve) => {
        const listener = (w: FakeWorker) => {
          if (w.id !== n) return;
          forks.off('fork', listener);
          resolve(w);
        };
        forks.on('fork', listener);
      });
    },
  };
}
