// `node <entry>` as a platform runs a dyno: in its own process group, writing JSON log lines,
// on port 0 (a port of its choosing) unless the environment names one.
import type { Readable, Stream } from 'node:stream';
import { type Group, spawnInOwnGroup } from './process-group.ts';

export interface SpawnDynoOptions {
  /**
   * A command that execs node in its own place (`taskset` pinning it to a CPU, `sh` moving it
   * into a cgroup): the pid, the group and the signals stay the server's.
   */
  readonly launcher?: readonly string[];
  /** Where its stdout goes instead of to a pipe of ours. */
  readonly stdout?: Stream;
}

export function spawnDyno(
  entry: string,
  env: Readonly<Record<string, string>>,
  options?: SpawnDynoOptions & { readonly stdout?: undefined },
): Group;
export function spawnDyno(
  entry: string,
  env: Readonly<Record<string, string>>,
  options: SpawnDynoOptions,
): Group<Readable | null>;
export function spawnDyno(
  entry: string,
  env: Readonly<Record<string, string>>,
  options: SpawnDynoOptions = {},
): Group<Readable | null> {
  const argv = [...(options.launcher ?? []), process.execPath, entry];
  return spawnInOwnGroup(argv[0] as string, argv.slice(1), {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_FORMAT: 'json', NODE_ENV: 'test', ...env },
    stdout: options.stdout,
  });
}
