// A memory cgroup of a dyno's size, or a CPU cgroup with a quota, so that a test process reads
// the limits a dyno's or a container's would, through the same files libuv, the kit and
// Heroku's buildpacks read. Needs root and a writable cgroup tree (v1's memory or cpu
// controller, or v2's with the controller delegated).
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestContext } from 'node:test';

async function ownCgroupDir(controller: 'memory' | 'cpu'): Promise<string> {
  const lines = (await readFile('/proc/self/cgroup', 'utf8')).trim().split('\n');
  const v1 = lines
    .map((line) => line.split(':'))
    .find(([, controllers]) => controllers?.split(',').includes(controller));
  // v1 mounts each hierarchy under the names of its controllers: memory, cpu or cpu,cpuacct.
  if (v1?.[1] !== undefined && v1[2] !== undefined) return path.join('/sys/fs/cgroup', v1[1], v1[2]);
  const v2 = lines.find((line) => line.startsWith('0::'));
  if (v2 !== undefined) return path.join('/sys/fs/cgroup', v2.slice(3));
  throw new Error(`no ${controller} cgroup in /proc/self/cgroup`);
}

/** A child of this process's cgroup, removed when the test ends. */
async function childCgroup(t: TestContext, controller: 'memory' | 'cpu', name: string): Promise<string> {
  const dir = path.join(
    await ownCgroupDir(controller),
    `dyno-test-${process.pid}-${name}-${Math.random().toString(36).slice(2)}`,
  );
  await mkdir(dir);
  // Only an empty cgroup can be removed: a test stops its dyno and awaits its exit before it ends.
  t.after(() => rmdir(dir));
  return dir;
}

/** Creates a child cgroup allowed `cpus` CPUs (0.5: half of one), and returns its cgroup.procs. */
export async function cpuCgroup(t: TestContext, cpus: number): Promise<string> {
  const dir = await childCgroup(t, 'cpu', `${cpus}cpu`);
  const period = 100_000;
  const quota = String(Math.round(cpus * period));
  await writeFile(path.join(dir, 'cpu.cfs_quota_us'), quota).catch(() =>
    writeFile(path.join(dir, 'cpu.max'), `${quota} ${period}`),
  );
  return path.join(dir, 'cgroup.procs');
}

/** Creates a child cgroup limited to `memoryMb`, removed when the test ends; returns its cgroup.procs. */
export async function memoryCgroup(t: TestContext, memoryMb: number): Promise<string> {
  const dir = await childCgroup(t, 'memory', `${memoryMb}mb`);
  const bytes = String(memoryMb * 1024 * 1024);
  const v1Limit = path.join(dir, 'memory.limit_in_bytes');
  await writeFile(v1Limit, bytes).catch(() => writeFile(path.join(dir, 'memory.max'), bytes));
  return path.join(dir, 'cgroup.procs');
}
