// Runs an entry file as Heroku runs a dyno: its own process group, JSON logs on stdout,
// signals sent to the whole group.
import { type ChildProcess, type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { TestContext } from 'node:test';

export const ROOT = path.join(import.meta.dirname, '..', '..', '..');

export interface LogLine {
  readonly msg: string;
  readonly proc: string;
  readonly pid: number;
  /** On the primary's lines about a worker: that worker's pid. */
  readonly workerPid?: number;
  readonly [field: string]: unknown;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Dyno {
  readonly child: ChildProcess;
  readonly logs: LogLine[];
  /** Lines that were not JSON: a config error, a crash before the logger existed. */
  readonly stderr: string[];
  readonly exited: Promise<Exit>;
  /** Resolves with the first line (already seen or still to come) that matches. */
  waitFor(what: string, match: (line: LogLine) => boolean): Promise<LogLine>;
  /** Every process of the dyno, as Heroku signals them. */
  signalGroup(signal: NodeJS.Signals): void;
  /** The first process alone, as Docker, Fly.io and Cloud Run signal a container. */
  signalFirst(signal: NodeJS.Signals): void;
}

/** Any command in its own process group, killed with its whole group if a test leaves it running. */
export function spawnGroup(
  t: TestContext,
  command: string,
  args: readonly string[],
  options: { readonly cwd?: string; readonly env: NodeJS.ProcessEnv; readonly uid?: number; readonly gid?: number },
): { child: ChildProcessByStdio<null, Readable, Readable>; exited: Promise<Exit> } {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env,
    uid: options.uid,
    gid: options.gid,
  });
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }) as Exit);
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {}
      await exited;
    }
  });
  return { child, exited };
}

/** A copy of the kit in a temporary folder (node_modules linked; no migrations/: the tests bring their own), removed when the test ends. */
export async function copyOfKit(t: TestContext): Promise<string> {
  const copy = await mkdtemp(path.join(os.tmpdir(), 'kit-copy-'));
  t.after(() => rm(copy, { recursive: true, force: true }));
  for (const entry of ['start.ts', 'package.json', 'Procfile', 'src', 'scripts']) {
    await cp(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
  }
  await symlink(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  return copy;
}

/** Every line a process writes, and a wait for the first (seen or still to come) that matches. */
export function outputLines(child: ChildProcessByStdio<null, Readable, Readable>, exited: Promise<Exit>) {
  const lines: string[] = [];
  const waiters = new Set<{ match: (line: string) => boolean; resolve: (line: string) => void }>();
  const onLine = (line: string) => {
    lines.push(line);
    for (const waiter of waiters) {
      if (!waiter.match(line)) continue;
      waiters.delete(waiter);
      waiter.resolve(line);
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);
  return {
    lines,
    waitForLine(what: string, match: (line: string) => boolean): Promise<string> {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.add({ match, resolve });
        void exited.then((exit) =>
          setImmediate(() =>
            reject(new Error(`exited (${JSON.stringify(exit)}) before ${what}:\n${lines.join('\n')}`)),
          ),
        );
      });
    },
  };
}

export interface DynoOptions {
  /** A cgroup's `cgroup.procs`: the dyno starts inside it, as Heroku's run inside the dyno's. */
  readonly cgroupProcs?: string;
}

export function startDyno(
  t: TestContext,
  env: Record<string, string>,
  entry = 'start.ts',
  options: DynoOptions = {},
): Dyno {
  // sh joins the cgroup, then becomes node: the pid, the process group and the signals stay the same.
  const [command, args] = options.cgroupProcs
    ? ['sh', ['-c', 'echo $$ > "$0" && exec "$1" "$2"', options.cgroupProcs, process.execPath, entry]]
    : [process.execPath, [entry]];
  const { child, exited } = spawnGroup(t, command, args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_FORMAT: 'json', NODE_ENV: 'test', ...env },
  });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();

  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      stderr.push(text);
      return;
    }
    logs.push(line);
    for (const waiter of waiters) {
      if (waiter.match(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  createInterface({ input: child.stderr }).on('line', (text) => stderr.push(text));

  return {
    child,
    logs,
    stderr,
    exited,
    waitFor(what, match) {
      const seen = logs.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.add({ match, resolve });
        // If the dyno exits first, the line will never come: say which one we waited for.
        void exited.then((exit) => {
          setImmediate(() => {
            const late = logs.find(match);
            if (late) resolve(late);
            else reject(new Error(`exited (${JSON.stringify(exit)}) before "${what}". Logs:\n${dump(logs, stderr)}`));
          });
        });
      });
    },
    signalGroup(signal) {
      process.kill(-child.pid!, signal);
    },
    signalFirst(signal) {
      process.kill(child.pid!, signal);
    },
  };
}

export const byMsg =
  (msg: string, fields: Record<string, unknown> = {}) =>
  (line: LogLine) =>
    line.msg === msg && Object.entries(fields).every(([key, value]) => line[key] === value);

function dump(logs: LogLine[], stderr: string[]): string {
  return [...logs.map((l) => JSON.stringify(l)), ...stderr].join('\n');
}

/** Whether the process still runs. A zombie counts as gone: it holds no port and no memory, only a slot for its parent to reap. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The fields of /proc/<pid>/stat after the command's name: state, ppid, pgrp, … (Linux). */
function statOf(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The process group of a process that still exists. */
export function groupOf(pid: number): number | undefined {
  const group = statOf(pid)?.[2];
  return group === undefined ? undefined : Number(group);
}

/** The processes of a group that still run (zombies are gone, as for isAlive). */
export function liveMembers(group: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      const stat = statOf(pid);
      return stat !== undefined && stat[0] !== 'Z' && Number(stat[2]) === group;
    });
}

/** Whether the port can be listened on, on every address, as the kit listens. */
export async function portIsFree(port: number): Promise<boolean> {
  const probe = net.createServer();
  try {
    await once(probe.listen(port), 'listening');
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return false;
    throw err;
  } finally {
    if (probe.listening) await new Promise((resolve) => probe.close(resolve));
  }
}

/** A port nothing listens on right now, for a dyno whose logs will not say which it took. */
export async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0);
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
