// Renders the results as markdown tables for a terminal or a PR comment, and stores the same
// figures as JSON, both timestamped and as latest.json, for comparing runs.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CostResults } from './cost.ts';
import { IDLE_LIMIT_S } from './lifecycle.ts';
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
  'primary RSS / PSS / private',
  'each worker RSS / PSS / private',
];

const mb = (n: number | null | undefined) => (n === null || n === undefined ? '-' : n.toFixed(1));
const rssAndPrivate = (m: MemoryMb | null | undefined) =>
  m ? `${mb(m.rssMb)} / ${mb(m.pssMb)} / ${mb(m.privateMb)}` : '-';

function configs(r: BenchResults): string {
  const rows = r.configs.map((c) => {
    const memory = r.memory.byConfig.find((m) => m.workers === c.workers);
    const workers = memory?.perWorker.map(rssAndPrivate).join(', ') ?? '-';
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
    'Memory in MB from /proc/<pid>/smaps_rollup after the warm-up and load. Private = pages no other process ' +
      'maps: what the process adds to the dyno. PSS = private plus its share of the pages it shares (the node ' +
      'binary, mostly). RSS counts shared pages in full in every process, so RSS summed over processes overstates ' +
      `the dyno's memory. For scale: bare Node ${rssAndPrivate(plain)} MB, with TypeScript type stripping loaded ` +
      `${rssAndPrivate(typeStripping)} MB.`,
  ].join('\n');
}

function boot(r: BenchResults): string {
  const row = (label: string, b: BenchResults['boot']['cold']) => [
    label,
    `${ms(b.ms)} (logged ${ms(b.loggedMs)})`,
    `${rssAndPrivate(b.memory.primary)} MB`,
    `${b.memory.perWorker.map(rssAndPrivate).join(', ')} MB`,
  ];
  return [
    table(
      ['compile cache', 'spawn -> "cluster ready"', 'primary RSS / PSS / private', 'each worker RSS / PSS / private'],
      [row('cold (empty)', r.boot.cold), row('warm (what the cold boot wrote)', r.boot.warm)],
      ['left', ...numbers(3)],
    ),
    '',
    `A cluster of ${r.boot.workers}, memory read 1 s after every worker was ready. Warm, no process loads the ` +
      'TypeScript stripper: that is most of the difference.',
  ].join('\n');
}

function costTable(c: CostResults, baseline: string): string {
  const rows = c.rows.map((row) => [
    row.name,
    row.cpuUsPerRequest === null ? '-' : row.cpuUsPerRequest.toFixed(1),
    row.vsBaseline === null ? '-' : `${row.vsBaseline.toFixed(2)}x`,
    int(row.rps),
    row.perRound.map((x) => (x.cpuUsPerRequest === null ? '-' : x.cpuUsPerRequest.toFixed(0))).join(' '),
  ]);
  return [
    table([`one process serving ${c.route}`, 'CPU us / request', 'vs alone', 'req/s', 'CPU us per round'], rows, [
      'left',
      ...numbers(4),
    ]),
    '',
    `Median of ${c.rounds} round${c.rounds === 1 ? '' : 's'} of ${int(c.requestsPerRound)} keep-alive requests over ` +
      `${c.connections} connections per server, the servers taking turns; CPU is the server process's own, from ` +
      `/proc${c.serverCpu === null ? '' : `, each server running alone on CPU ${c.serverCpu}`}. "vs alone" is the ` +
      `median of each round's ratio to ${baseline}.`,
  ].join('\n');
}

function cost(r: BenchResults): string {
  return [
    costTable(r.cost, 'Express with Helmet and nothing else (kit/bench/baseline-app.ts)'),
    'The ' +
      'control is that same server in a second process: how far its ratio strays from 1.00 is noise. The ' +
      'yardstick shows what a known cost per request measures as here: on loopback, work added to a server that ' +
      'keeps pace with its load generator also costs it wake-ups it did not pay before.',
  ].join('\n');
}

function database(r: BenchResults): string {
  const d = r.database;
  if (!d.measured) return `Not measured: ${d.missing}.`;
  const pools = d.pools.map((p) => `${p.workers} x ${p.perWorker}`).join(', ');
  return [
    d.cost ? costTable(d.cost, 'the same query in Express + Helmet + pg alone, with a pool of the same size') : '',
    '',
    `${d.route} runs one query through the pool (select pg_sleep(0)) and nothing else. Pools per config ` +
      `(workers x connections each, from DATABASE_CONNECTION_BUDGET=${d.budget}): ${pools}. Its throughput, p50 ` +
      'and p99 per config are in the table below. The database server runs unpinned, on the same 2 cores.',
  ].join('\n');
}

function rateLimit(r: BenchResults): string {
  const l = r.rateLimit;
  if (!l.measured) return `Not measured: ${l.missing}.`;
  return [
    l.cost
      ? costTable(l.cost, 'express-rate-limit + rate-limit-redis in Express + Helmet alone, on the same Redis')
      : '',
    '',
    'Both count every request in Redis (one EVALSHA each) under a limit out of reach, so each is counted and let ' +
      "through. The kit's side is an app with one rateLimit (kit/test/fixtures/redis-app.ts): its request " +
      'lines, metrics and request ids ride along, as in the first table. Redis runs unpinned, on the same cores.',
  ].join('\n');
}

function jobs(r: BenchResults): string {
  const j = r.jobs;
  if (!j.measured) return `Not measured: ${j.missing}.`;
  return [
    table(
      ['runners', 'jobs', 'CPU per job', 'seconds', 'jobs/s'],
      j.throughput.map((t) => [
        String(t.runners),
        int(t.jobs),
        `${t.jobMs} ms`,
        t.seconds.toFixed(2),
        t.jobsPerS.toFixed(1),
      ]),
      ['left', ...numbers(4)],
    ),
    '',
    `2 runners against 1: ${j.ratio === null ? '-' : `${j.ratio.toFixed(2)}x`}. The demo's sample job, enqueued in one ` +
      'batch; the time runs until the queue counts every one completed.',
    '',
    table(
      [
        `one process, ${int(j.cost.jobs)} trivial jobs`,
        'CPU us / job',
        'vs bare',
        'CPU us per round',
        `first ${int(j.cost.warmJobs)}: us / job`,
        'vs bare',
      ],
      j.cost.rows.map((row) => [
        row.name,
        row.cpuUsPerJob === null ? '-' : row.cpuUsPerJob.toFixed(0),
        row.vsBare === null ? '-' : `${row.vsBare.toFixed(2)}x`,
        row.perRound.map((x) => (x === null ? '-' : x.toFixed(0))).join(' '),
        row.warmUpCpuUsPerJob == null ? '-' : row.warmUpCpuUsPerJob.toFixed(0),
        row.warmUpVsBare == null ? '-' : `${row.warmUpVsBare.toFixed(2)}x`,
      ]),
      ['left', ...numbers(5)],
    ),
    '',
    `Median of ${j.cost.rounds} round${j.cost.rounds === 1 ? '' : 's'}, the three taking turns (who goes first rotates), ` +
      `each after ${int(j.cost.warmJobs)} jobs to warm up (the last two columns: what those cost, once per boot), ` +
      (j.cost.runnerCpu === null
        ? 'unpinned'
        : `alone on CPU ${j.cost.runnerCpu} (the bench on the others, Redis unpinned)`) +
      "; CPU is the process's own, from /proc, and vs bare is the median of each round's ratio. The bare Worker " +
      '(kit/bench/bare-worker.ts) runs the same handler with nothing around it.',
  ].join('\n');
}

function fleet(r: BenchResults): string {
  const f = r.fleet;
  if (!f.measured) return `Not measured: ${f.missing}.`;
  const n = (value: number | null, digits = 1) => (value === null ? '-' : value.toFixed(digits));
  const row = (name: string, w: typeof f.idle) => [name, n(w.commandsPerS), n(w.cpuMsPerS), int(w.requestsPerS)];
  return [
    table(
      [`a cluster of ${f.workers}, ${f.windowS} s each`, 'report commands / s', 'dyno CPU ms / s', 'req/s'],
      [
        row('REDIS_URL set: reporting, idle', f.idle),
        row('REDIS_URL set: reporting, under load on /api/info', f.loaded),
        row('no REDIS_URL: no reports, idle', f.withoutRedis),
      ],
      ['left', ...numbers(3)],
    ),
    '',
    `A report every ${f.intervalMs / 1000} s sends the same commands whatever the traffic: compare the first two ` +
      'rows. Commands are counted by Redis (INFO commandstats, the commands a report sends); CPU is the ' +
      "primary's and every worker's, from /proc, so the idle rows differ by what reporting costs.",
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
    ...(r.lifecycle.primaryUnderLoad
      ? [
          [
            `primary private memory, ${r.lifecycle.primaryUnderLoad.seconds} s of a new connection per request`,
            `${mb(r.lifecycle.primaryUnderLoad.before.privateMb)} -> ${mb(r.lifecycle.primaryUnderLoad.after.privateMb)} MB ` +
              `(${int(r.lifecycle.primaryUnderLoad.requests)} connections handed over); idle, ` +
              (r.lifecycle.primaryUnderLoad.idle.seconds === null
                ? `still ${mb(r.lifecycle.primaryUnderLoad.idle.memory.privateMb)} MB after ${IDLE_LIMIT_S} s`
                : `${mb(r.lifecycle.primaryUnderLoad.idle.memory.privateMb)} MB ${r.lifecycle.primaryUnderLoad.idle.seconds} s later`),
          ],
        ]
      : []),
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
    '## Boot and memory: cold and warm compile cache',
    boot(r),
    '## CPU per request: the kit against Express + Helmet alone',
    cost(r),
    '## The database route: CPU per request against Express + pg alone, and the pools',
    database(r),
    '## A rate-limited route: CPU per request against express-rate-limit + rate-limit-redis alone',
    rateLimit(r),
    '## Jobs: the worker process type',
    jobs(r),
    "## Every dyno on the page: what the fleet's reports cost",
    fleet(r),
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
