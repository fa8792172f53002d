// Where the cores went during a measurement, read from the kernel: the workers, the primary's
// hand-offs, the bench (the load generator) and anything else running on the machine, which
// would otherwise pass for a slow server.
import type { AppProcess } from './cluster-process.ts';
import { cpuSeconds, machineBusySeconds } from './procfs.ts';

export interface CpuSample {
  readonly at: number;
  /** Null in single-process mode: there is no primary. */
  readonly primary: number | null;
  /** Summed over the workers alive at the time. */
  readonly workers: number;
  readonly bench: number | null;
  readonly machine: number | null;
}

/** Each in % of one core. */
export interface ServerCpu {
  readonly primaryPct: number | null;
  /** All workers together. */
  readonly workersPct: number;
  /** Processes that are neither the server nor the bench. */
  readonly otherPct: number | null;
}

export function sampleCpu(app: AppProcess): CpuSample {
  let workers = 0;
  for (const pid of app.workerPids.values()) workers += cpuSeconds(pid) ?? 0;
  return {
    at: performance.now(),
    primary: app.workers === 1 ? null : cpuSeconds(app.pid),
    workers,
    bench: cpuSeconds(process.pid),
    machine: machineBusySeconds(),
  };
}

export function cpuBetween(before: CpuSample, after: CpuSample): ServerCpu {
  const wallS = (after.at - before.at) / 1000;
  const pct = (from: number | null, to: number | null) =>
    from === null || to === null ? null : ((to - from) / wallS) * 100;
  const primaryPct = pct(before.primary, after.primary);
  const workersPct = pct(before.workers, after.workers) ?? 0;
  const benchPct = pct(before.bench, after.bench);
  const machinePct = pct(before.machine, after.machine);
  const otherPct =
    machinePct === null || benchPct === null
      ? null
      : Math.max(0, machinePct - workersPct - (primaryPct ?? 0) - benchPct);
  return { primaryPct, workersPct, otherPct };
}
