// Sentences under the tables that keep a reader from misreading them: where the cores went,
// and for each missed target the measured facts that point at its cause.
import { CONTROL_NAME, WATCHED_NAME, YARDSTICK_US } from './cost.ts';
import { IDLE_LIMIT_S } from './lifecycle.ts';
import type { TargetResult, ThroughputPoint } from './results.ts';
import { CPU_ROUTE, findPoint, kitCost, type Measured, primaryGrowthMb, TARGETS, warmBootPrivate } from './targets.ts';

// A neighbour using this much of a core is enough to move a 2-core result by several percent.
const OTHER_CPU_DISTURBS_PCT = 15;
// Below this the primary is idle bookkeeping; above it, it is on the request path.
const PRIMARY_ON_PATH_PCT = 10;

const pct = (value: number | null) => (value === null ? '-' : `${Math.round(value)}%`);

function spread(values: number[], decimals = 0): string {
  if (values.length === 0) return '-';
  const low = Math.min(...values).toFixed(decimals);
  const high = Math.max(...values).toFixed(decimals);
  return low === high ? low : `${low}-${high}`;
}

const range = (values: number[]) => (values.length === 0 ? '-' : `${spread(values)}%`);

/** Milliseconds of worker CPU each response cost. */
const cpuMsPerRequest = (p: ThroughputPoint) => (p.serverCpu.workersPct * 10) / Math.max(1, p.load.rps);

function reading(m: Measured): string[] {
  const cores = m.machine.availableParallelism;
  const light = m.throughput.filter((p) => p.route !== CPU_ROUTE);
  const notes = [
    `Light routes (${[...new Set(light.map((p) => p.route))].join(', ')}) on ${cores} cores are bound by the load ` +
      `generator sharing the cores with the server: autocannon, in this process, used ` +
      `${range(light.map((p) => p.load.loadgenCpuPct))} of one core on them, so their cluster ratios measure the ` +
      'shared machine more than the cluster.',
    'Ideal = min(workers, cores). CPU columns are % of one core, from /proc: loadgen = this process, other = ' +
      'everything else on the machine.',
  ];
  const disturbed = m.throughput.filter((p) => (p.serverCpu.otherPct ?? 0) >= OTHER_CPU_DISTURBS_PCT);
  if (disturbed.length > 0) {
    notes.push(
      `Disturbed: other processes used ${range(disturbed.map((p) => p.serverCpu.otherPct ?? 0))} of a core during ` +
        `${disturbed.length} of ${m.throughput.length} points (${disturbed.map((p) => `${p.config} ${p.route} ${p.mode}`).join('; ')}): ` +
        'rerun on a quiet machine before trusting those rows or the ratios built on them.',
    );
  }
  const closed = m.throughput.filter((p) => p.mode === 'close');
  if (closed.length > 0) {
    const responses = closed.reduce((sum, p) => sum + p.load.requests, 0);
    const fins = closed.reduce((sum, p) => sum + p.load.serverClosed, 0);
    notes.push(
      `"close" = a new connection per request: autocannon sends "connection: close" and, patched in kit/bench/load.ts, ` +
        `waits for the server's FIN before it reconnects; the server closed ${fins} connections for ${responses} responses.`,
    );
  }
  return notes;
}

function findings(m: Measured): string[] {
  const notes: string[] = [];
  const logged = m.throughput.map((p) => p.logLinesPerRequest);
  if (Math.max(0, ...logged) >= 0.5) {
    notes.push(
      `The server wrote ${spread(logged, 1)} stdout lines per request (LOG_LEVEL=info): building and writing ` +
        'them is part of every figure above.',
    );
  }
  // The demo route spins until performance.now() has moved on, so a worker preempted mid-spin
  // gets those milliseconds for free: more workers than cores then look like a speed-up.
  const burnMs = Number(new URLSearchParams(CPU_ROUTE.split('?')[1]).get('ms'));
  const cheap = m.throughput.filter((p) => p.route === CPU_ROUTE && cpuMsPerRequest(p) < burnMs * 0.9);
  if (cheap.length > 0) {
    const worst = cheap.reduce((a, b) => (cpuMsPerRequest(a) < cpuMsPerRequest(b) ? a : b));
    notes.push(
      `${CPU_ROUTE} spins on the wall clock, not on CPU time: a worker preempted mid-spin still counts those ` +
        `milliseconds, so with more workers than cores a request cost as little as ${cpuMsPerRequest(worst).toFixed(1)} ms ` +
        `of CPU (${worst.config}, ${worst.mode}) and ratios above the ideal are an artifact of the route, not a gain.`,
    );
  }
  const handedOff = m.throughput.filter(
    (p) => p.mode === 'close' && (p.serverCpu.primaryPct ?? 0) >= PRIMARY_ON_PATH_PCT && p.route !== CPU_ROUTE,
  );
  for (const p of handedOff) {
    const single = findPoint(m, 1, p.route, p.mode);
    const { primaryPct, workersPct, otherPct } = p.serverCpu;
    const idle =
      m.machine.availableParallelism * 100 - workersPct - (primaryPct ?? 0) - (otherPct ?? 0) - p.load.loadgenCpuPct;
    notes.push(
      `${p.config}, ${p.route}, a new connection per request: ${p.vsSingle?.toFixed(2) ?? '-'}x single. Every ` +
        `connection goes through the primary, which accepts it and passes the socket to a worker over IPC: the ` +
        `primary used ${pct(primaryPct)} of a core, each response cost the workers ${cpuMsPerRequest(p).toFixed(2)} ms ` +
        `of CPU (${single ? cpuMsPerRequest(single).toFixed(2) : '-'} ms in the single process), and ${pct(idle)} ` +
        'of the machine stayed idle while the hand-offs went one at a time.',
    );
  }
  return notes;
}

function misses(m: Measured, targets: readonly TargetResult[]): string[] {
  const notes: string[] = [];
  const cores = m.machine.availableParallelism;
  const missed = (id: TargetResult['id']) => targets.find((t) => t.id === id)?.pass === false;
  const pair = findPoint(m, 2, CPU_ROUTE, 'keep-alive');
  if (missed('cluster-of-2') && pair) {
    const { workersPct, primaryPct, otherPct } = pair.serverCpu;
    notes.push(
      `Missed ${TARGETS.clusterOf2Ratio}x: during that point the workers used ${pct(workersPct)} of the ` +
        `${pair.workers * 100}% they could, the primary (accepting and handing connections over) ${pct(primaryPct)}, ` +
        `autocannon ${pct(pair.load.loadgenCpuPct)} and other processes ${pct(otherPct)}, of ${cores * 100}% in all.`,
    );
  }
  const { reload, idleShutdown, kill } = m.lifecycle;
  if (missed('reload')) {
    const l = reload.load;
    notes.push(
      `Reload lost requests: ${l.errors} socket errors, ${l.non2xx} non-2xx, ${l.timeouts} timeouts and ${l.dropped} ` +
        `requests whose keep-alive connection the server closed before answering them.`,
    );
  }
  if (missed('idle-shutdown')) {
    notes.push(
      `Slow SIGTERM: the primary logged "shutdown complete" after ${idleShutdown.loggedMs ?? '-'} ms; the rest is ` +
        `process exit. ${idleShutdown.closedByServer} of ${idleShutdown.clients} idle connections were closed by the server.`,
    );
  }
  if (missed('replace')) {
    notes.push(
      `Slow replacement: the restart backoff alone was ${kill.restartDelayMs ?? '-'} ms of ${Math.round(kill.ms)} ms.`,
    );
  }
  const { plain, typeStripping } = m.memory.baseline;
  const { cold, warm } = m.boot;
  if (missed('primary-private') || missed('worker-private')) {
    const private_ = warmBootPrivate(m);
    notes.push(
      `Memory after a warm boot: primary ${private_.primaryMb ?? '-'} MB private, largest worker ` +
        `${private_.workerMb ?? '-'} MB (cold: primary ${cold.memory.primary?.privateMb ?? '-'} MB). Bare Node is ` +
        `${plain.privateMb ?? '-'} MB private here, ${typeStripping.privateMb ?? '-'} MB once the type stripper is ` +
        'loaded; a warm process should never load it. If the warm figures are close to the cold ones, the cache was ' +
        'not used: see the compile-cache section of docs/clustering.md.',
    );
  }
  const cost = kitCost(m);
  const quiet = m.cost.rows.find((row) => row.name.includes('LOG_LEVEL=warn'));
  const yardstick = m.cost.rows.find((row) => row.name.startsWith('yardstick'));
  const control = m.cost.rows.find((row) => row.name === CONTROL_NAME)?.vsBaseline;
  const base = m.cost.rows[0]?.cpuUsPerRequest;
  if (m.quick && cost) {
    notes.push(
      `CPU per request in a quick run is one short round per server: read it as a smoke test, not a measurement.`,
    );
  } else if (missed('cost') && cost?.cpuUsPerRequest != null && base != null) {
    const added = cost.cpuUsPerRequest - base;
    const yardstickAdded = yardstick?.cpuUsPerRequest == null ? null : yardstick.cpuUsPerRequest - base;
    const line = quiet?.cpuUsPerRequest == null ? null : cost.cpuUsPerRequest - quiet.cpuUsPerRequest;
    notes.push(
      `CPU per request ${cost.cpuUsPerRequest.toFixed(1)} us against ${base.toFixed(1)} us for Express + Helmet ` +
        `alone: ${added.toFixed(1)} us more, ${line === null ? '-' : line.toFixed(1)} us of it the request line.` +
        (yardstickAdded !== null && yardstickAdded > 0
          ? ` By the yardstick (${YARDSTICK_US} us of busy work measured as ${yardstickAdded.toFixed(1)} us more), ` +
            `what the kit adds weighs as much as ${((YARDSTICK_US * added) / yardstickAdded).toFixed(1)} us of work ` +
            'a request: a server slower than its load generator pays for waking it on every response.'
          : '') +
        (control == null
          ? ''
          : ` The control, the same baseline in a second process, measured ${control.toFixed(3)}x: a difference ` +
            'of that size between two processes is noise.'),
    );
  }
  const watched = m.cost.rows.find((row) => row.name === WATCHED_NAME);
  if (!m.quick && cost?.vsBaseline != null && watched?.vsBaseline != null) {
    const moved = watched.vsBaseline / cost.vsBaseline;
    notes.push(
      `Ten pages watching the live timeline moved the kit's CPU per request by ${moved.toFixed(3)}x ` +
        `(${cost.vsBaseline.toFixed(2)}x the baseline with none, ${watched.vsBaseline.toFixed(2)}x with ten)` +
        (control == null
          ? '.'
          : // Only a rise is a cost: the streams can add work to a request, never take it away.
            `; the control strays ${Math.abs(control - 1).toFixed(3)} from 1.00, so this is ` +
            `${moved <= 1 + Math.abs(control - 1) ? 'no cost beyond the noise' : 'a cost beyond the noise'}.`),
    );
  }
  const growth = primaryGrowthMb(m);
  const load = m.lifecycle.primaryUnderLoad;
  if (load && load.before.privateMb !== null && load.after.privateMb !== null) {
    const busy = load.after.privateMb - load.before.privateMb;
    notes.push(
      `The primary grew ${busy.toFixed(1)} MB while handing over ${load.requests} connections in ${load.seconds} s ` +
        `(${load.before.privateMb} -> ${load.after.privateMb} MB): node:cluster allocates for each hand-off, and V8 ` +
        'sizes the heap for that rate. ' +
        (load.idle.seconds === null
          ? `It still held ${load.idle.memory.privateMb} MB after ${IDLE_LIMIT_S} s idle: V8 did not shrink the heap (see docs/benchmarks.md).`
          : `Idle, V8 gave it back: ${load.idle.memory.privateMb} MB ${load.idle.seconds} s after the load ended` +
            `${growth !== null && missed('primary-growth') ? `, ${growth.toFixed(1)} MB above where it started` : ''}.`),
    );
  }
  if (warm.memory.primary?.privateMb != null && cold.memory.primary?.privateMb != null) {
    notes.push(
      `The compile cache: a warm boot took ${Math.round(warm.ms)} ms against ${Math.round(cold.ms)} ms cold, and ` +
        `the primary held ${warm.memory.primary.privateMb} MB of private memory against ` +
        `${cold.memory.primary.privateMb} MB cold.`,
    );
  }
  return notes;
}

export function writeNotes(m: Measured, targets: readonly TargetResult[]): string[] {
  return [...reading(m), ...findings(m), ...misses(m, targets)];
}
