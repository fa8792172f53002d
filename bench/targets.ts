// Targets are shown as pass/miss and never fail the run: a slower machine is not a bug.
// Checks are different: they say the measurement measured what it claims, or that the server
// kept a promise (a drained request answers 200), and a failed one exits 1.
import type { BenchResults, Check, TargetResult, ThroughputPoint } from './results.ts';

export type Measured = Omit<BenchResults, 'targets' | 'checks' | 'notes' | 'finishedAt'>;

export const CPU_ROUTE = '/demo/cpu?ms=5';
export const TARGETS = {
  clusterOf2Ratio: 1.85,
  reloadFailed: 0,
  idleShutdownMs: 500,
  replaceMs: 1000,
  primaryRssMb: 60,
} as const;

export function findPoint(m: Measured, workers: number, route: string, mode: string): ThroughputPoint | undefined {
  return m.throughput.find((p) => p.workers === workers && p.route === route && p.mode === mode);
}

/** The largest primary RSS of any cluster config, with its private part, and which config. */
export function largestPrimaryRss(m: Measured): { mb: number; privateMb: number | null; config: string } | null {
  let largest: { mb: number; privateMb: number | null; config: string } | null = null;
  for (const c of m.memory.byConfig) {
    const rss = c.primary?.rssMb ?? null;
    if (rss !== null && (largest === null || rss > largest.mb))
      largest = { mb: rss, privateMb: c.primary?.privateMb ?? null, config: c.config };
  }
  return largest;
}

const ms = (value: number) => `${Math.round(value)} ms`;

export function judgeTargets(m: Measured): TargetResult[] {
  const pair = findPoint(m, 2, CPU_ROUTE, 'keep-alive');
  const ratio = pair?.vsSingle ?? null;
  const { reload, idleShutdown, kill } = m.lifecycle;
  const rss = largestPrimaryRss(m);
  return [
    {
      id: 'cluster-of-2',
      name: `cluster of 2 vs single, ${CPU_ROUTE}, keep-alive`,
      target: `>= ${TARGETS.clusterOf2Ratio}x (on 2 cores)`,
      measured: ratio === null ? 'not measured' : `${ratio.toFixed(2)}x`,
      pass: ratio === null || m.machine.availableParallelism < 2 ? null : ratio >= TARGETS.clusterOf2Ratio,
    },
    {
      id: 'reload',
      name: `requests lost during a rolling reload (${reload.route}, keep-alive)`,
      target: `${TARGETS.reloadFailed}`,
      measured: `${reload.failed} of ${reload.load.requests}`,
      pass: reload.failed <= TARGETS.reloadFailed,
    },
    {
      id: 'idle-shutdown',
      name: `SIGTERM with ${idleShutdown.clients} idle keep-alive clients -> exit`,
      target: `< ${TARGETS.idleShutdownMs} ms`,
      measured: ms(idleShutdown.ms),
      pass: idleShutdown.ms < TARGETS.idleShutdownMs,
    },
    {
      id: 'replace',
      name: 'SIGKILL of a worker -> replacement ready',
      target: `< ${TARGETS.replaceMs} ms`,
      measured: ms(kill.ms),
      pass: kill.ms < TARGETS.replaceMs,
    },
    {
      id: 'primary-rss',
      name: 'primary RSS after warm-up (largest cluster config)',
      target: `< ${TARGETS.primaryRssMb} MB`,
      measured: rss === null ? 'not measured' : `${rss.mb} MB, ${rss.privateMb ?? '-'} MB private (${rss.config})`,
      pass: rss === null ? null : rss.mb < TARGETS.primaryRssMb,
    },
  ];
}

export function runChecks(m: Measured): Check[] {
  const { slowShutdown, idleShutdown } = m.lifecycle;
  const checks: Check[] = [
    {
      name: `request in flight during SIGTERM (/demo/sleep?ms=${slowShutdown.sleepMs}) answered 200`,
      ok: slowShutdown.status === 200 && slowShutdown.inFlightAtDrain >= 1,
      detail:
        `status ${slowShutdown.status ?? 'none'}${slowShutdown.error ? ` (${slowShutdown.error})` : ''}, ` +
        `in flight at drain: ${slowShutdown.inFlightAtDrain}`,
    },
    {
      name: 'SIGTERM exits 0',
      ok:
        idleShutdown.exitCode === 0 && slowShutdown.exitCode === 0 && m.configs.every((c) => c.shutdownExitCode === 0),
      detail:
        `idle clients: exit ${idleShutdown.exitCode}, slow request: exit ${slowShutdown.exitCode}, ` +
        `after load: ${m.configs.map((c) => `exit ${c.shutdownExitCode}`).join(', ')}`,
    },
  ];
  for (const p of m.throughput) {
    const { requests, closeAnnounced, serverClosed } = p.load;
    const name = `${p.config} ${p.route}: ${p.mode === 'close' ? 'a new connection per request' : 'connections reused'}`;
    if (p.mode === 'close') {
      // The last few responses may still be awaiting their FIN when the load stops.
      const ok = closeAnnounced >= requests && serverClosed >= requests - m.settings.connections;
      checks.push({ name, ok, detail: `${serverClosed} connections closed by the server for ${requests} responses` });
    } else {
      checks.push({ name, ok: closeAnnounced === 0, detail: `${closeAnnounced} responses said Connection: close` });
    }
  }
  return checks;
}
