// Renders the results as markdown tables for a terminal or a PR comment, and stores the same
// figures as JSON, both timestamped and as latest.json, for comparing runs.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { MemoryMb } from './memory.ts';
import { configLabel } from './plan.ts';
import type { BenchResults } from './results.ts';

type Align = 'left' | 'right';
const numbers = (columns: number) => Array<Align>(columns).fill('right');

function table(headers: readonly string[], rows: readonly (readonly string[])[], align: readonly Align[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const cell = (text: string, i: number) =>
    align[i] === 'right' ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0);
  const line = (cells: readonly string[]) => `| ${cells.map((c, i) => cell(c, i)).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (align[i] === 'right' ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number | null | undefined) => (n === null || n === undefined ? '-' : `${Math.round(n)} ms`);
const pct = (n: number | null) => (n === null ? '-' : `${Math.round(n)}%`);
const latency = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const verdict = (pass: boolean | null) => (pass === null ? 'n/a' : pass ? 'pass' : 'MISS');

function header(r: BenchResults): string {
  const m = r.machine;
  const s = r.settings;
  return [
    `# express-cluster-starter bench (${r.quick ? 'quick' : 'full'} run, ${r.startedAt})`,
    '',
    `Machine: ${m.cpus} CPUs (os.cpus), availableParallelism ${m.availableParallelism}, ${m.cpuModel}, ` +
      `${(m.totalMemoryMb / 1024).toFixed(1)} GB RAM, Node ${m.node}, ${m.platform}`,
    `Load: ${s.loadGenerator}, ${s.connections} connections, ${s.durationS} s per point after a ${s.warmupS} s warm-up per route`,
  ].join('\n');
}

function throughput(r: BenchResults): string {
  const rows = r.throughput.map((p) => {
    const l = p.load;
    const failures = `${l.errors}/${l.non2xx}/${l.timeouts}${l.dropped ? ` +${l.dropped} dropped` : ''}`;
    return [
      p.config,
      p.route,
      p.mode,
      int(l.rps),
      p.vsSingle === null ? '-' : `${p.vsSingle.toFixed(2)}x`,
      `${p.ideal}x`,
      latency(l.p50Ms),
      latency(l.p99Ms),
      failures,
      pct(l.loadgenCpuPct),
      pct(p.serverCpu.workersPct),
      pct(p.serverCpu.primaryPct),
      pct(p.serverCpu.otherPct),
    ];
  });
  return table(
    [
      'config (workers)',
      'route',
      'connection',
      'req/s',
      'vs single',
      'ideal',
      'p50 ms',
      'p99 ms',
      'err/non2xx/timeout',
      'loadgen CPU',
      'workers CPU',
      'primary CPU',
      'other CPU',
    ],
    rows,
    ['left', 'left', 'left', ...numbers(10)],
  );
}

const CONFIG_HEADERS = [
  'config (workers)',
  'spawn -> ready',
  'SIGTERM after load -> exit',
  'primary RSS (private)',
  'worker RSS (private)',
];

const rssAndPrivate = (m: MemoryMb | null | undefined) =>
  m ? `${m.rssMb?.toFixed(1) ?? '-'} (${m.privateMb?.toFixed(1) ?? '-'})` : '-';

function configs(r: BenchResults): string {
  const rows = r.configs.map((c) => {
    const memory = r.memory.byConfig.find((m) => m.workers === c.workers);
    const workers = memory?.perWorker.map(rssAndPrivate).join(' + ') ?? '-';
    return [
      configLabel(c),
      `${ms(c.bootMs)} (logged ${ms(c.bootLoggedMs)})`,
      ms(c.shutdownMs),
      memory?.primary ? `${rssAndPrivate(memory.primary)} MB` : '-',
      `${workers} MB`,
    ];
  });
  const { plain, typeStripping } = r.memory.baseline;
  return [
    table(CONFIG_HEADERS, rows, ['left', ...numbers(4)]),
    '',
    'Memory read from /proc/<pid>/smaps_rollup after the warm-up and load. Private = pages no other process ' +
      'maps; the rest of RSS is mostly the node binary, shared by every process and held once. For scale: bare Node ' +
      `${rssAndPrivate(plain)} MB, with TypeScript type stripping loaded ${rssAndPrivate(typeStripping)} MB.`,
  ].join('\n');
}

function lifecycle(r: BenchResults): string {
  const { kill, reload, idleShutdown: idle, slowShutdown: slow } = r.lifecycle;
  const l = reload.load;
  const rows = [
    ['boot: spawn -> "cluster ready"', `${ms(r.lifecycle.bootMs)} (primary logged ${ms(r.lifecycle.bootLoggedMs)})`],
    [
      'SIGKILL a worker -> replacement "worker ready"',
      `${ms(kill.ms)} (of which restart backoff ${ms(kill.restartDelayMs)})`,
    ],
    [
      `SIGHUP -> "rolling reload finished", under load on ${reload.route}`,
      `${ms(reload.ms)} (primary logged ${ms(reload.loggedMs)})`,
    ],
    [
      'requests failed during the reload',
      `${reload.failed} of ${int(l.requests)} (errors ${l.errors}, non-2xx ${l.non2xx}, timeouts ${l.timeouts}, dropped ${l.dropped})`,
    ],
    [
      `SIGTERM with ${idle.clients} idle keep-alive clients -> exit`,
      `${ms(idle.ms)} (${idle.closedByServer}/${idle.clients} connections closed by the server)`,
    ],
    [
      `SIGTERM with /demo/sleep?ms=${slow.sleepMs} in flight -> exit`,
      `${ms(slow.ms)}; the request got ${slow.status ?? (slow.error || 'no answer')} after ${ms(slow.requestMs)}`,
    ],
  ];
  return table(['measurement', 'value'], rows);
}

function targets(r: BenchResults): string {
  return table(
    ['target', 'goal', 'measured', 'result'],
    r.targets.map((t) => [t.name, t.target, t.measured, verdict(t.pass)]),
  );
}

function checks(r: BenchResults): string {
  const failed = r.checks.filter((c) => !c.ok);
  if (failed.length === 0) return `Checks: all ${r.checks.length} passed.`;
  return [
    `Checks: ${failed.length} of ${r.checks.length} FAILED:`,
    ...failed.map((c) => `- ${c.name}: ${c.detail}`),
  ].join('\n');
}

export function renderReport(r: BenchResults): string {
  return [
    header(r),
    '## Throughput and latency',
    throughput(r),
    '## Boot, shutdown and memory per config',
    configs(r),
    `## Lifecycle (cluster of ${r.lifecycle.workers})`,
    lifecycle(r),
    '## Targets (shown, never enforced)',
    targets(r),
    checks(r),
    '## Notes',
    r.notes.map((n) => `- ${n}`).join('\n'),
  ].join('\n\n');
}

/** Writes <dir>/<timestamp>.json and <dir>/latest.json; returns the timestamped path. */
export async function writeResults(r: BenchResults, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const json = `${JSON.stringify(r, null, 2)}\n`;
  // Colons are not allowed in Windows file names and are awkward in shells.
  const file = path.join(dir, `${r.startedAt.replaceAll(':', '-')}.json`);
  await writeFile(file, json);
  await writeFile(path.join(dir, 'latest.json'), json);
  return file;
}
