// What the kernel knows about the servers and their sockets. Linux only: every reader returns
// null elsewhere, and the report shows a dash.
import { readFileSync } from 'node:fs';

// USER_HZ, the unit of utime/stime in /proc/<pid>/stat, is 100 on every Linux ABI Node runs on.
const TICKS_PER_SECOND = 100;

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export interface ProcessMemory {
  /** Resident set size: every page the process has in RAM, shared ones included. */
  readonly rssBytes: number;
  /**
   * Pages no other process maps: what the process itself adds to the dyno. RSS also counts
   * the node binary's pages, which every process of the dyno shares and the kernel holds once.
   */
  readonly privateBytes: number;
  /** Proportional set size: private pages, plus each shared page divided by how many processes map it. */
  readonly pssBytes: number;
}

const kB = (text: string, field: string) => {
  const match = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return match?.[1] === undefined ? null : Number(match[1]) * 1024;
};

/** Parses /proc/<pid>/smaps_rollup (Linux 4.14+). */
export function parseSmapsRollup(text: string): ProcessMemory | null {
  const rss = kB(text, 'Rss');
  const clean = kB(text, 'Private_Clean');
  const dirty = kB(text, 'Private_Dirty');
  const pss = kB(text, 'Pss');
  return rss === null || clean === null || dirty === null || pss === null
    ? null
    : { rssBytes: rss, privateBytes: clean + dirty, pssBytes: pss };
}

export function processMemory(pid: number | 'self'): ProcessMemory | null {
  const text = read(`/proc/${pid}/smaps_rollup`);
  return text === null ? null : parseSmapsRollup(text);
}

/** CPU time (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number | null {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name may contain spaces and parentheses: count fields from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / TICKS_PER_SECOND : null;
}

/**
 * Bytes that arrived on the server's end of the connection `serverPort` <-> `clientPort` and
 * that no process has read yet; null while the kernel lists no such socket. Zero means the
 * server has read the request, so it is in flight, not merely queued.
 */
export function unreadBytes(serverPort: number, clientPort: number): number | null {
  const local = `:${serverPort.toString(16).toUpperCase().padStart(4, '0')}`;
  const remote = `:${clientPort.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const table of ['/proc/net/tcp6', '/proc/net/tcp']) {
    for (const row of read(table)?.split('\n').slice(1) ?? []) {
      const [, localAddress, remoteAddress, , queues] = row.trim().split(/\s+/);
      if (!localAddress?.endsWith(local) || !remoteAddress?.endsWith(remote) || queues === undefined) continue;
      return Number.parseInt(queues.split(':')[1] ?? '', 16);
    }
  }
  return null;
}

/** CPU time every process on the machine has used since boot, from /proc/stat. */
export function machineBusySeconds(): number | null {
  const first = read('/proc/stat')?.split('\n', 1)[0];
  if (!first?.startsWith('cpu ')) return null;
  // user nice system idle iowait irq softirq steal: guest time is already inside user.
  const [user, nice, system, , , irq, softirq, steal] = first.slice(4).trim().split(/\s+/).map(Number);
  const busy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, n) => sum + (n ?? 0), 0);
  return Number.isFinite(busy) ? busy / TICKS_PER_SECOND : null;
}
