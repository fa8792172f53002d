// How many workers to run: a pure function of the settings and the machine's facts,
// so every row of the dyno table can be fed through it in a unit test.

import { type ConcurrencySettings, MAX_WORKERS } from '../config.ts';
import { BUILDPACK_MARKER, buildpackWebConcurrency, buildpackWebMemoryMb } from './buildpacks.ts';
import { DYNOS } from './dynos.ts';

export interface MachineFacts {
  /** os.availableParallelism(): the CPUs this process may use, cgroup CPU quota included. */
  readonly availableParallelism: number;
  /** The cgroup memory limit, or the machine's memory when there is none. */
  readonly memoryLimitBytes: number;
  /** Whether memoryLimitBytes is a cgroup's limit (the dyno's), not the whole host's memory. */
  readonly memoryLimited: boolean;
  /** The cgroup CPU quota in CPUs (0.5, 1.5), v1 or v2; undefined without one. */
  readonly cpuQuota?: number | undefined;
}

export type WorkerSource =
  | 'JOB_PROCESSES'
  | 'WEB_CONCURRENCY'
  | 'CLUSTER_WORKERS'
  | 'HEROKU_AVAILABLE_PARALLELISM'
  | 'RENDER_CPU_COUNT'
  | 'cpu quota'
  | 'cores'
  | 'memory';

export interface WorkerPlan {
  readonly count: number;
  /** The rule that decided: a variable, or which bound of the machine. */
  readonly source: WorkerSource;
  /** One human sentence: why this many. */
  readonly reason: string;
  /** How to get another count, when a buildpack's figure was capped. */
  readonly hint?: string;
  /** Settings that were present but lost to a higher-priority source. */
  readonly overridden: readonly string[];
  /** MB one worker may use before it is recycled. */
  readonly webMemoryMb: number;
}

const MB = 1024 * 1024;

/**
 * WEB_CONCURRENCY when a buildpack derived it from memory, else undefined: such a figure is a
 * memory bound, not a choice. Cedar marks it. Fir marks nothing, so its figure is recognised by
 * being exactly what the CNB's rule gives for this dyno's memory: as we read it, or as any
 * Fir size with these vCPUs has it (for when Node cannot see the dyno's cgroup). A user who
 * sets that same number is treated alike; CLUSTER_WORKERS is the way to force any count.
 */
function buildpackFigure(settings: ConcurrencySettings, memoryMb: number): number | undefined {
  const { webConcurrency, webConcurrencySetBy, herokuAvailableParallelism: vcpus, webMemoryMb } = settings;
  if (webConcurrency === undefined) return undefined;
  if (webConcurrencySetBy === BUILDPACK_MARKER) return webConcurrency;
  if (webConcurrencySetBy !== undefined || vcpus === undefined) return undefined;
  const memories = [
    memoryMb,
    ...DYNOS.filter((d) => d.generation === 'fir' && d.vcpus === vcpus).map((d) => d.memoryMb),
  ];
  const cnbFigure = (mb: number) => buildpackWebConcurrency(mb, webMemoryMb ?? buildpackWebMemoryMb(mb));
  return memories.some((mb) => cnbFigure(mb) === webConcurrency) ? webConcurrency : undefined;
}

/** The CPUs the count is bounded by: a platform's figure first, then the cgroup quota, then Node's. */
function cpuBound(settings: ConcurrencySettings, machine: MachineFacts) {
  const { herokuAvailableParallelism: hap, platformCpus } = settings;
  const { availableParallelism: nodeSees, cpuQuota } = machine;
  if (hap !== undefined)
    return { cpus: hap, source: 'HEROKU_AVAILABLE_PARALLELISM', label: `HEROKU_AVAILABLE_PARALLELISM=${hap}` } as const;
  if (platformCpus !== undefined)
    return {
      cpus: platformCpus.cpus,
      source: platformCpus.variable,
      label: `${platformCpus.variable}=${platformCpus.cpus}`,
    } as const;
  // Node reads v2's quota itself but not v1's: ours counts both alike, and the lower one holds.
  if (cpuQuota !== undefined && cpuQuota < nodeSees)
    return { cpus: cpuQuota, source: 'cpu quota', label: `a CPU quota of ${cpuQuota} CPUs` } as const;
  return { cpus: nodeSees, source: 'cores', label: `${nodeSees} available CPUs` } as const;
}

export function planWorkers(settings: ConcurrencySettings, machine: MachineFacts): WorkerPlan {
  const memoryMb = Math.floor(machine.memoryLimitBytes / MB);
  const webMemoryMb = settings.webMemoryMb ?? buildpackWebMemoryMb(memoryMb);
  const ownMemoryBound = Math.max(1, Math.floor(memoryMb / webMemoryMb));
  const { webConcurrency, clusterWorkers, herokuAvailableParallelism: hap } = settings;
  const figure = buildpackFigure(settings, memoryMb);
  const buildpackLabel = `WEB_CONCURRENCY=${figure} (the buildpack's, from memory)`;

  const present: [WorkerSource, string | undefined][] = [
    [
      'WEB_CONCURRENCY',
      webConcurrency === undefined
        ? undefined
        : figure !== undefined
          ? buildpackLabel
          : `WEB_CONCURRENCY=${webConcurrency}`,
    ],
    ['CLUSTER_WORKERS', clusterWorkers === undefined ? undefined : `CLUSTER_WORKERS=${clusterWorkers}`],
    ['HEROKU_AVAILABLE_PARALLELISM', hap === undefined ? undefined : `HEROKU_AVAILABLE_PARALLELISM=${hap}`],
    [
      'RENDER_CPU_COUNT',
      settings.platformCpus === undefined ? undefined : `RENDER_CPU_COUNT=${settings.platformCpus.cpus}`,
    ],
  ];
  /** The settings present that the plan did not use. */
  const unused = (...used: WorkerSource[]) =>
    present.filter(([name, label]) => label !== undefined && !used.includes(name)).map(([, label]) => label as string);
  const plan = (count: number, source: WorkerSource, reason: string, overridden: string[], hint?: string) =>
    Object.freeze({
      count,
      source,
      reason,
      ...(hint ? { hint } : {}),
      overridden: Object.freeze(overridden),
      webMemoryMb,
    });

  if (webConcurrency !== undefined && figure === undefined) {
    return plan(webConcurrency, 'WEB_CONCURRENCY', `WEB_CONCURRENCY=${webConcurrency}`, unused('WEB_CONCURRENCY'));
  }
  if (clusterWorkers !== undefined) {
    return plan(clusterWorkers, 'CLUSTER_WORKERS', `CLUSTER_WORKERS=${clusterWorkers}`, unused('CLUSTER_WORKERS'));
  }

  const bound = cpuBound(settings, machine);
  // A fraction of a CPU cannot keep two processes busy: one process serves, with no primary.
  if (bound.cpus < 1) {
    return plan(1, bound.source, `${bound.label}: below one CPU, one process`, unused(bound.source));
  }
  // Rounded down, as Node rounds v2's cpu.max: 1.5 CPUs run one worker at full speed.
  const cores = Math.floor(bound.cpus);
  const coresLabel = Number.isInteger(bound.cpus) ? bound.label : `${bound.label} rounded down to ${cores}`;
  // The classic buildpack reads only cgroup v1 and assumes 512 MB elsewhere, so its figure can
  // be lower than the dyno allows: where a cgroup limit is readable, our own reading (v1 or v2,
  // with the same formula and WEB_MEMORY) wins. Only where none is, the buildpack's figure is
  // all we know: the machine's memory would be the host's, not the dyno's.
  const trustFigure = figure !== undefined && !machine.memoryLimited;
  const memoryBound = trustFigure ? figure : ownMemoryBound;
  const memoryLabel = trustFigure
    ? `${buildpackLabel}: no cgroup memory limit to read`
    : `${memoryMb} MB / WEB_MEMORY ${webMemoryMb} MB = ${memoryBound}`;
  const count = Math.min(cores, memoryBound, MAX_WORKERS);
  const source: WorkerSource = cores <= memoryBound ? bound.source : 'memory';
  const capped = figure !== undefined && count < figure;
  return plan(
    count,
    source,
    `min(${coresLabel}, ${memoryLabel})`,
    // A buildpack's figure took part as the memory bound: it did not lose.
    unused(bound.source, 'WEB_CONCURRENCY'),
    capped
      ? `${buildpackLabel} is a memory bound, not a choice: set CLUSTER_WORKERS=${figure} to run that many`
      : undefined,
  );
}

/** The worker process type's count: JOB_PROCESSES when set, else the web's rule. */
export function planRunners(
  processes: number | undefined,
  settings: ConcurrencySettings,
  machine: MachineFacts,
): WorkerPlan {
  const web = planWorkers(settings, machine);
  if (processes === undefined) return web;
  return Object.freeze({
    count: processes,
    source: 'JOB_PROCESSES' as const,
    reason: `JOB_PROCESSES=${processes}`,
    overridden: Object.freeze(
      web.source === 'cores' || web.source === 'cpu quota' || web.source === 'memory' ? [] : [web.reason],
    ),
    webMemoryMb: web.webMemoryMb,
  });
}
