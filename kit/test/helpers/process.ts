// The tests' side of the harness in kit/harness/: whatever a test starts ends with the test,
// and every line it writes is kept for the test to read.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import { spawnDyno } from '../../harness/dyno.ts';
import { Lines } from '../../harness/lines.ts';
import { type LogLine, readLogLines } from '../../harness/log-lines.ts';
import {
  type Exit,
  exitWords,
  type Group,
  type GroupOptions,
  ROOT,
  signalGroup,
  spawnInOwnGroup,
} from '../../harness/process-group.ts';

export type { LogLine } from '../../harness/log-lines.ts';
export { freePort, portIsFree } from '../../harness/ports.ts';
export { type Exit, ROOT } from '../../harness/process-group.ts';

export interface Dyno {
  readonly child: ChildProcess;
  readonly logs: LogLine[];
  /** Lines that were not JSON: a config error, a crash before the logger existed. */
  readonly stderr: string[];
  /** Resolves once every process of the dyno has exited and all it wrote has been read. */
  readonly exited: Promise<Exit>;
  /** Resolves with the first line (already seen or still to come) that matches. */
  waitFor(what: string, match: (line: LogLine) => boolean): Promise<LogLine>;
  /** Every process of the dyno, as Heroku signals them. */
  signalGroup(signal: NodeJS.Signals): void;
  /** The first process alone, as Docker, Fly.io and Cloud Run signal a container. */
  signalFirst(signal: NodeJS.Signals): void;
}

function killedAfter(t: TestContext, { child, exited }: Group<Readable | null>): void {
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      signalGroup(child.pid as number, 'SIGKILL');
      await exited;
    }
  });
}

// At the exit, not when the output closes: a process the test left running may hold the pipe,
// and a wait would then outlast the test instead of failing it. setImmediate lets what the pipe
// still held at the exit be read first.
function endAtExit<T>(lines: Lines<T>, exited: Promise<Exit>): void {
  void exited.then((exit) => setImmediate(() => lines.end(exitWords(exit))));
}

/** Any command in its own process group, killed with its whole group if a test leaves it running. */
export function spawnGroup(
  t: TestContext,
  command: string,
  args: readonly string[],
  options: Omit<GroupOptions, 'stdout'>,
): Group {
  const group = spawnInOwnGroup(command, args, options);
  killedAfter(t, group);
  return group;
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
export function outputLines({ stdout, stderr }: Group['child'], exited: Promise<Exit>) {
  const output: Lines<string> = new Lines({
    keep: true,
    failure: (problem) => new Error(`${problem}:\n${output.kept.join('\n')}`),
  });
  for (const input of [stdout, stderr]) createInterface({ input }).on('line', (line) => output.add(line));
  endAtExit(output, exited);
  return {
    lines: output.kept,
    waitForLine: (what: string, match: (line: string) => boolean): Promise<string> => output.waitFor(what, match),
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
  // sh joins the cgroup, then becomes node.
  const launcher = options.cgroupProcs ? ['sh', '-c', 'echo $$ > "$0" && exec "$@"', options.cgroupProcs] : [];
  const group = spawnDyno(entry, env, { launcher });
  killedAfter(t, group);
  // Not the primary's 'exit': its last lines may still be in the pipe then, on a busy machine.
  const { child, closed: exited } = group;
  const stderr: string[] = [];
  const logs: Lines<LogLine> = new Lines({
    keep: true,
    failure: (problem) =>
      new Error(`${problem}. Logs:\n${[...logs.kept.map((line) => JSON.stringify(line)), ...stderr].join('\n')}`),
  });
  readLogLines(child.stdout, { line: (line) => logs.add(line), other: (text) => stderr.push(text) });
  createInterface({ input: child.stderr }).on('line', (text) => stderr.push(text));
  endAtExit(logs, exited);

  return {
    child,
    logs: logs.kept,
    stderr,
    exited,
    waitFor: (what, match) => logs.waitFor(what, match),
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

/** Whether the process still runs. A zombie counts as gone: it holds no port and no memory, only a slot for its parent to reap. */
export function isAlive(pid: number): boolean {
  const state = statOf(pid)?.[0];
  return state !== undefined && state !== 'Z';
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

/** Every process whose /proc/<pid>/stat fields (as statOf reads them) pass `test`. */
function processesWhere(test: (stat: string[]) => boolean): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      const stat = statOf(pid);
      return stat !== undefined && test(stat);
    });
}

/** The processes of a group that still run (zombies are gone, as for isAlive). */
export function liveMembers(group: number): number[] {
  return processesWhere((stat) => stat[0] !== 'Z' && Number(stat[2]) === group);
}

/** The processes `parent` started and has not reaped, zombies too: a zombie's group may still hold live processes. */
export function childrenOf(parent: number): number[] {
  return processesWhere((stat) => Number(stat[1]) === parent);
}

/** Options for `it` or `describe`: skipped, with the reason, where `command` is not installed. */
export function needsCommand(command: string): { readonly skip: string | false } {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return { skip: false };
  } catch {
    return { skip: `${command} is not installed` };
  }
}
