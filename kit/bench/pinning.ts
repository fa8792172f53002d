// Which CPU a measured server runs on alone. Unpinned, the scheduler moves a server between
// cores mid-round, and rounds differ by a fifth.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The CPUs this process may run on, as Linux lists them ("0-3,6"). */
const allowedCpuList = () => readFileSync('/proc/self/status', 'utf8').match(/^Cpus_allowed_list:\s*(\S+)/m)?.[1] ?? '';

/**
 * The last CPU this process may use, where there are two or more and `taskset` exists: the
 * server runs there alone, the bench, its load generator and the log reader on the others.
 */
export function cpusForServer(): { server: number; others: string } | null {
  if (process.platform !== 'linux') return null;
  const cpus = allowedCpuList()
    .split(',')
    .flatMap((range) => {
      const [from, to = from] = range.split('-').map(Number);
      return from === undefined || to === undefined ? [] : Array.from({ length: to - from + 1 }, (_, i) => from + i);
    });
  if (cpus.length < 2) return null;
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const server = cpus.at(-1);
  return server === undefined ? null : { server, others: cpus.slice(0, -1).join(',') };
}

/**
 * Moves every thread of this process (the bench, and autocannon inside it) onto `cpus`, and
 * returns how to move them back: the server is to have its CPU to itself, and left where the
 * scheduler likes, the load generator may run there too.
 */
export function pinThisProcess(cpus: string): () => void {
  const pin = (list: string) =>
    execFileSync('taskset', ['--all-tasks', '--pid', '--cpu-list', list, String(process.pid)], { stdio: 'ignore' });
  const before = allowedCpuList();
  pin(cpus);
  return () => pin(before);
}
