// A memory cgroup of a dyno's size, so that a test process reads the limit a dyno's would,
// through the same files libuv and Heroku's buildpacks read. Needs root and a writable
// cgroup tree (v1's memory controller, or v2's with memory delegated).
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestContext } from 'node:test';

async function ownCgroupDir(): Promise<string> {
  const lines = (await readFile('/proc/self/cgroup', 'utf8')).trim().split('\n');
  const v1 = lines.map((line) => line.split(':')).find(([, controllers]) => controllers?.split(',').includes('memory'));
  if (v1?.[2] !== undefined) return path.join('/sys/fs/cgroup/memory', v1[2]);
  const v2 = lines.find((line) => line.startsWith('0::'));
  if (v2 !== undefined) return path.join('/sys/fs/cgroup', v2.slice(3));
  throw new Error('no memory cgroup in /proc/self/cgroup');
}

/** Creates a child cgroup limited to `memoryMb`, removed when the test ends; returns its cgroup.procs. */
export async function memoryCgroup(t: TestContext, memoryMb: number): Promise<string> {
  const dir = path.join(
    await ownCgroupDir(),
    `dyno-test-${process.pid}-${memoryMb}-${Math.random().toString(36).slice(2)}`,
  );
  await mkdir(dir);
  // Only an empty cgroup can be removed: a test stops its dyno and awaits its exit before it ends.
  t.after(() => rmdir(dir));
  const bytes = String(memoryMb * 1024 * 1024);
  const v1Limit = path.join(dir, 'memory.limit_in_bytes');
  await writeFile(v1Limit, bytes).catch(() => writeFile(path.join(dir, 'memory.max'), bytes));
  return path.join(dir, 'cgroup.procs');
}
