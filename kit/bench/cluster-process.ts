// One `node start.ts` under the bench: a dyno (../harness/dyno.ts), known only by its JSON log
// lines, each stamped with the moment the bench read it, since the bench times events by them.
import net from 'node:net';
import { createInterface } from 'node:readline';
import type { Readable, Stream } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { spawnDyno } from '../harness/dyno.ts';
import { Lines } from '../harness/lines.ts';
import { type LogLine, readLogLines } from '../harness/log-lines.ts';
import { type Exit, exitWords, type Group, signalGroup } from '../harness/process-group.ts';

/** A log line and when the bench read it (performance.now()). */
export interface Stamped {
  readonly line: LogLine;
  readonly at: number;
}

/** When every worker was listening, and the boot time the server logged with it, if it logged one. */
export interface Ready {
  readonly at: number;
  readonly loggedMs?: number;
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
  /** The line a single process says it is ready with: `listening` from `app` unless told. */
  readonly readyLine?: { readonly msg: string; readonly proc: string };
}

const DEFAULT_WAIT_MS = 20_000;
// The messages the bench keeps track of on its own, whether or not anyone waits for them.
const TRACKED = new Set(['listening', 'worker ready', 'worker exited', 'cluster ready']);

// Servers are detached, so nothing would stop them outliving the bench: every exit path
// (normal end, uncaught error, process.exit from a signal handler) kills what is left.
const live = new Set<AppProcess>();

/** Kills every server still running: at exit, and before a failed run deletes its keys, which they would write again. */
export function killAll(): void {
  for (const app of live) app.kill();
}
process.on('exit', killAll);

export class AppProcess {
  readonly workers: number;
  readonly pid: number;
  readonly spawnedAt: number;
  /** Resolves once the process is gone and its output is fully read. */
  readonly exited: Promise<Exit>;
  readonly ready: Promise<Ready>;
  /** Live worker pids by cluster worker id; in single-process mode the app itself, as id 0. */
  readonly workerPids = new Map<number, number>();
  port = 0;
  readonly #exitedAt: Promise<number>;
  readonly #lines = new Lines<Stamped>({ keep: false, failure: (problem) => this.#error(problem) });
  readonly #read: { readonly read: number } | undefined;
  readonly #stderr: string[] = [];
  #gone = false;

  constructor(workers: number, options: LaunchOptions = {}) {
    // Its lines go elsewhere, so the line that says it is ready would never come.
    if (options.stdout && options.port === undefined)
      throw new Error('a server whose stdout the bench does not read needs a port');
    this.workers = workers;
    this.spawnedAt = performance.now();
    const group: Group<Readable | null> = spawnDyno(
      options.entry ?? 'start.ts',
      {
        ...(options.port === undefined ? {} : { PORT: String(options.port) }),
        // With the dyno's NODE_ENV=test and JSON lines: production's hot path (JSON request
        // lines at info, the same middleware) without its public limits. Production caps
        // /demo/cpu at a quarter of each worker's CPU, and the bench needs it uncapped to load
        // the cores.
        LOG_LEVEL: 'info',
        WEB_CONCURRENCY: String(workers),
        ...options.env,
      },
      {
        launcher: options.cpu === undefined ? [] : ['taskset', '--cpu-list', String(options.cpu)],
        stdout: options.stdout,
      },
    );
    const { pid, stdout, stderr } = group.child;
    if (pid === undefined) throw new Error(`could not spawn ${process.execPath} ${options.entry ?? 'start.ts'}`);
    this.pid = pid;
    live.add(this);

    this.ready =
      options.port !== undefined
        ? this.#answering(options.port)
        : (workers === 1
            ? this.waitFor(options.readyLine?.msg ?? 'listening', (l) => l.proc === (options.readyLine?.proc ?? 'app'))
            : this.waitFor('cluster ready')
          ).then(({ line, at }) => ({ at, loggedMs: line.ms }));
    // Awaited by whoever spawned it; this only keeps an early crash from being "unhandled".
    this.ready.catch(() => {});

    this.#read =
      stdout === null
        ? undefined
        : readLogLines(stdout, {
            // Workers log every request: parsing only what someone needs keeps that cost off the
            // bench process, whose CPU is reported as the load generator's.
            parses: (msg) => TRACKED.has(msg) || this.#lines.awaits(msg),
            line: (line) => {
              const stamped: Stamped = { line, at: performance.now() };
              this.#track(line);
              this.#lines.add(stamped);
            },
          });
    createInterface({ input: stderr }).on('line', (text) => {
      this.#stderr.push(text);
      if (this.#stderr.length > 20) this.#stderr.shift();
    });
    this.#exitedAt = group.exited.then(() => performance.now());
    this.exited = group.closed.then((exit) => {
      live.delete(this);
      this.#gone = true;
      this.#lines.end(exitWords(exit));
      return exit;
    });
  }

  /** Lines the server has written to stdout so far. */
  get linesRead(): number {
    return this.#read?.read ?? 0;
  }

  /** Resolves with the next line saying `msg` (and matching `where`); call it before causing the event. */
  waitFor(msg: string, where: (line: LogLine) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS): Promise<Stamped> {
    return this.#lines.waitFor(msg, ({ line }) => line.msg === msg && where(line), timeoutMs);
  }

  /** Sends a signal to the primary and its workers. */
  signalGroup(signal: NodeJS.Signals): void {
    signalGroup(this.pid, signal);
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
    return { ms: (await this.#exitedAt) - sent, exit };
  }

  /** No grace: the bench is failing or done with this server. */
  kill(): void {
    this.signalGroup('SIGKILL');
    live.delete(this);
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

  async #answering(port: number): Promise<Ready> {
    for (;;) {
      if (this.#gone) throw this.#error('exited before it listened');
      const accepted = await new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => resolve(true)).once('error', () => resolve(false));
        socket.once('connect', () => socket.destroy());
      });
      if (accepted) {
        this.port = port;
        this.workerPids.set(0, this.pid);
        return { at: performance.now() };
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
    return { app, bootMs: ready.at - app.spawnedAt, loggedMs: ready.loggedMs };
  } catch (err) {
    app.kill();
    throw err;
  }
}
