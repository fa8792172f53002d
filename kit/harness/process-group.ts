// A process under test runs in its own process group, as a platform runs a dyno: a signal to
// the group reaches it and every process it forked, and nothing else.
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import type { Readable, Stream } from 'node:stream';

export const ROOT = path.join(import.meta.dirname, '..', '..');

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface GroupOptions {
  readonly cwd?: string;
  readonly env: NodeJS.ProcessEnv;
  readonly uid?: number;
  readonly gid?: number;
  /**
   * Where its stdout goes instead of to a pipe of ours. For CPU measurements: reading a logging
   * server's lines costs the reader, and the bench reads as the load generator.
   */
  readonly stdout?: Stream;
}

export interface Group<Stdout extends Readable | null = Readable> {
  readonly child: ChildProcessByStdio<null, Stdout, Readable>;
  /** Resolves when the first process exits. */
  readonly exited: Promise<Exit>;
  /**
   * Resolves once it has exited and every process that shares its stdout and stderr has closed
   * them: all it wrote has been read.
   */
  readonly closed: Promise<Exit>;
}

/** Its stdout is a pipe to read, unless `options.stdout` sends it elsewhere. */
export function spawnInOwnGroup(
  command: string,
  args: readonly string[],
  options: GroupOptions & { readonly stdout?: undefined },
): Group;
export function spawnInOwnGroup(
  command: string,
  args: readonly string[],
  options: GroupOptions,
): Group<Readable | null>;
export function spawnInOwnGroup(
  command: string,
  args: readonly string[],
  options: GroupOptions,
): Group<Readable | null> {
  const child = spawn(command, args, {
    cwd: options.cwd ?? ROOT,
    detached: true,
    stdio: ['ignore', options.stdout ?? 'pipe', 'pipe'],
    env: options.env,
    uid: options.uid,
    gid: options.gid,
  }) as ChildProcessByStdio<null, Readable | null, Readable>;
  const exited = once(child, 'exit').then(([code, signal]) => ({ code, signal }) as Exit);
  const closed = once(child, 'close').then(() => exited);
  return { child, exited, closed };
}

/** How a process's end reads in an error: "exited (code 1, signal null)". */
export const exitWords = (exit: Exit): string => `exited (code ${exit.code}, signal ${exit.signal})`;

/** Sends a signal to every process of the group; a group that is gone already has nothing to stop. */
export function signalGroup(leader: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-leader, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
