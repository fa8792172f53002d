// One `node start.ts` under test: spawned in its own process group, so a signal to the group
// reaches the primary and every worker and nothing else, and known only by its JSON log lines.
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Stream } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';

export interface LogLine {
  readonly msg: string;
  readonly proc?: string;
  readonly pid?: number;
  readonly worker?: number;
  /** On the primary's lines about a worker: that worker's pid. */
  readonly workerPid?: number;
  readonly port?: number;
  readonly ms?: number;
  readonly [field: string]: unknown;
}

/** A log line and when the bench read it (performance.now()). */
export interface Stamped {
  readonly line: LogLine;
  readonly at: number;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly at: number;
}

export interface LaunchOptions {
  /** The file node runs: start.ts, or the bare Express app it is compared with. */
  readonly entry?: string;
  /** Added to the server's environment: the compile cache, for one. */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * A port to listen on, for a server that will not log "listening" (LOG_LEVEL=warn): it is
   * ready once the port accepts a connection.
   */
  readonly port?: number;
  /** Run the server on this CPU alone (`taskset`), so the scheduler does not move it about. */
  readonly cpu?: number;
  /**
   * Where the server's stdout goes instead of to the bench, which then reads none of its lines
   * (readiness comes from `port`). For CPU measurements: the bench process is the load
   * generator, and reading a logging server's lines would slow its load and not another's.
   */
  readonly stdout?: Stream;
}

interface Waiter {
  readonly msg: string;
  readonly where: (line: LogLine) => boolean;
  readonly resolve: (stamped: Stamped) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
const DEFAULT_WAIT_MS = 20_000;
// The messages the bench keeps track of on its own, whether or not anyone waits for them.
const TRACKED = new Set(['listening', 'worker ready', 'worker exited', 'cluster ready']);
// The logger writes `msg` before any field, so the first match is the line's own message.
const MSG = /"msg":"((?:[^"\\]|\\.)*)"/;

// Servers are detached, so nothing would stop them outliving the bench: every exit path
// (normal end, uncaught error, process.exit from a signal handler) kills what is left.
const live = new Set<AppProcess>();
process.on('exit', () => {
  for (const app of live) app.kill();
});

export class AppProcess {
  readonly workers: number;
  readonly pid: number;
  readonly spawnedAt: number;
  /** Resolves once the process is gone and its output is fully read. */
  readonly exited: Promise<Exit>;
  /** Resolves with the line that says every worker is listening. */
  readonly ready: Promise<Stamped>;
  /** Live worker pids by cluster worker id; in single-process mode the app itself, as id 0. */
  readonly workerPids = new Map<number, number>();
  port = 0;
  /** Lines the server has written to stdout so far. */
  linesRead = 0;
  readonly #child: ChildProcess;
  readonly #waiters = new Set<Waiter>();
  readonly #stderr: string[] = [];
  #exit: Exit | undefined;
  #closed = false;

  constructor(workers: number, options: LaunchOptions = {}) {
    // Its lines go elsewhere, so the line that says it is ready would never come.
    if (options.stdout && options.port === undefined)
      throw new Error('a server whose stdout the bench does not read needs a port');
    this.workers = workers;
    this.spawnedAt = performance.now();
    const node = [process.execPath, options.entry ?? 'start.ts'];
    // taskset execs node in its own process: the pid stays the server's.
    const [file, ...args] = options.cpu === undefined ? node : ['taskset', '--cpu-list', String(options.cpu), ...node];
    this.#child = spawn(file as string, args, {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? ROOT,
        PORT: String(options.port ?? 0),
        // Production's hot path (JSON request lines at info, the same middleware) without its
        // public limits: production caps /demo/cpu at a quarter of each worker's CPU, and the
        // bench needs it uncapped to load the cores.
        LOG_FORMAT: 'json',
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        WEB_CONCURRENCY: String(workers),
        ...options.env,
      },
    });
    const { pid, stdout, stderr } = this.#child;
    if (pid === undefined || !(stdout || options.stdout) || !stderr)
      throw new Error(`could not spawn ${process.execPath} start.ts`);
    this.pid = pid;
    live.add(this);

    this.ready =
      options.port !== undefined
        ? this.#answering(options.port)
        : workers === 1
          ? this.waitFor('listening', (l) => l.proc === 'app')
          : this.waitFor('cluster ready');
    // Awaited by whoever spawned it; this only keeps an early crash from being "unhandled".
    this.ready.catch(() => {});

    if (stdout) createInterface({ input: stdout }).on('line', (text) => this.#onLine(text));
    createInterface({ input: stderr }).on('line', (text) => {
      this.#stderr.push(text);
      if (this.#stderr.length > 20) this.#stderr.shift();
    });
    this.#child.once('exit', (code, signal) => {
      this.#exit = { code, signal, at: performance.now() };
    });
    this.exited = new Promise((resolve) => {
      this.#child.once('close', (code, signal) => {
        live.delete(this);
        this.#closed = true;
        const exit = this.#exit ?? { code, signal, at: performance.now() };
        for (const waiter of this.#waiters) {
          clearTimeout(waiter.timer);
          waiter.reject(this.#error(`exited (code ${exit.code}, signal ${exit.signal}) while waiting`));
        }
        this.#waiters.clear();
        resolve(exit);
      });
    });
  }

  /** Resolves with the next line saying `msg` (and matching `where`); call it before causing the event. */
  waitFor(msg: string, where: (line: LogLine) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<Stamped> {
    return new Promise((resolve, reject) => {
      if (this.#closed) {
        reject(this.#error(`had exited before "${msg}" was awaited`));
        return;
      }
      const waiter: Waiter = {
        msg,
        where,
        resolve,
        reject: (err) => reject(new Error(`waiting for "${msg}": ${err.message}`)),
        timer: setTimeout(() => {
          this.#waiters.delete(waiter);
          reject(this.#error(`no "${msg}" within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Sends a signal to the primary and its workers. */
  signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }

  /** Sends a signal to the primary alone: SIGHUP to the group would reach the workers too. */
  signalPrimary(signal: NodeJS.Signals): void {
    process.kill(this.pid, signal);
  }

  /** SIGTERM to the group and wait: the milliseconds until the primary exited. */
  async stop(): Promise<{ ms: number; exit: Exit }> {
    const sent = performance.now();
    this.signalGroup('SIGTERM');
    const exit = await this.exited;
    return { ms: exit.at - sent, exit };
  }

  /** No grace: the bench is failing or done with this server. */
  kill(): void {
    this.signalGroup('SIGKILL');
    live.delete(this);
  }

  #onLine(text: string): void {
    this.linesRead += 1;
    // Workers log every request: parsing only what someone needs keeps that cost off the
    // bench process, whose CPU is reported as the load generator's.
    const msg = MSG.exec(text)?.[1];
    if (msg === undefined || !this.#wanted(msg)) return;
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      return;
    }
    const stamped: Stamped = { line, at: performance.now() };
    this.#track(line);
    for (const waiter of this.#waiters) {
      if (waiter.msg !== line.msg || !waiter.where(line)) continue;
      clearTimeout(waiter.timer);
      this.#waiters.delete(waiter);
      waiter.resolve(stamped);
    }
  }

  #wanted(msg: string): boolean {
    if (TRACKED.has(msg)) return true;
    for (const waiter of this.#waiters) if (waiter.msg === msg) return true;
    return false;
  }

  #track(line: LogLine): void {
    if (line.msg === 'listening' && line.proc === 'app') {
      this.workerPids.set(0, this.pid);
      this.port = line.port ?? 0;
    } else if (line.msg === 'worker ready' && line.worker !== undefined && line.workerPid !== undefined) {
      this.workerPids.set(line.worker, line.workerPid);
    } else if (line.msg === 'worker exited' && line.worker !== undefined) {
      this.workerPids.delete(line.worker);
    } else if (line.msg === 'cluster ready') {
      this.port = line.port ?? 0;
    }
  }

  async #answering(port: number): Promise<Stamped> {
    for (;;) {
      if (this.#closed) throw this.#error('exited before it listened');
      const accepted = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => resolve(true)).once('error', () => resolve(false));
        socket.once('connect', () => socket.destroy());
      });
      if (accepted) {
        this.port = port;
        this.workerPids.set(0, this.pid);
        return { line: { msg: 'listening', port }, at: performance.now() };
      }
      await delay(20);
    }
  }

  #error(message: string): Error {
    const tail = this.#stderr.length ? `\nserver stderr:\n${this.#stderr.join('\n')}` : '';
    return new Error(`WEB_CONCURRENCY=${this.workers} (pid ${this.pid}) ${message}${tail}`);
  }
}

/** Spawns a server and waits until every worker is listening. */
export async function launch(
  workers: number,
  options: LaunchOptions = {},
): Promise<{ app: AppProcess; bootMs: number; loggedMs?: number }> {
  const app = new AppProcess(workers, options);
  try {
    const ready = await app.ready;
    return { app, bootMs: ready.at - app.spawnedAt, loggedMs: ready.line.ms };
  } catch (err) {
    app.kill();
    throw err;
  }
}
