// How many workers to run: a pure function of the settings and the machine's facts,
// so every row of the dyno table can be fed through it in a unit test.
import { type ConcurrencySettings, MAX_WORKERS } from './config.ts';

export interface MachineFacts {
  /** os.availableParallelism(): the CPUs this process may use, cgroup CPU quota included. */
  readonly availableParallelism: number;
  /** The cgroup memory limit, or the machine's memory when there is none. */
  readonly memoryLimitBytes: number;
}

export type WorkerSource = 'WEB_CONCURRENCY' | 'CLUSTER_WORKERS' | 'HEROKU_AVAILABLE_PARALLELISM' | 'cores' | 'memory';

export interface WorkerPlan {
  readonly count: number;
  readonly source: WorkerSource;
  /** One human sentence: why this many. */
  readonly reason: string;
  /** Settings that were present but lost to a higher-priority source. */
  readonly overridden: readonly string[];
  /** MB one worker may use before it is recycled. */
  readonly webMemoryMb: number;
}

/** The value the Node buildpack writes into WEB_CONCURRENCY_SET_BY when it derived WEB_CONCURRENCY. */
export const BUILDPACK_MARKER = 'heroku/nodejs';

const MB = 1024 * 1024;

/** Heroku's Node buildpack: 512 MB per process, 2048 MB on dynos with more than 16 GB. */
export function defaultWebMemoryMb(memoryMb: number): number {
  return memoryMb > 16 * 1024 ? 2048 : 512;
}

export function planWorkers(settings: ConcurrencySettings, machine: MachineFacts): WorkerPlan {
  const memoryMb = Math.floor(machine.memoryLimitBytes / MB);
  const webMemoryMb = settings.webMemoryMb ?? defaultWebMemoryMb(memoryMb);
  const { webConcurrency, clusterWorkers, herokuAvailableParallelism: hap } = settings;
  // The buildpack fills WEB_CONCURRENCY from memory alone; on shared dynos that report
  // 8 CPUs it is the memory bound, on Performance-L (28 for 8 vCPUs) it oversubscribes.
  const fromBuildpack = webConcurrency !== undefined && settings.webConcurrencySetBy === BUILDPACK_MARKER;

  const present: [WorkerSource, string | undefined][] = [
    [
      'WEB_CONCURRENCY',
      webConcurrency === undefined
        ? undefined
        : `WEB_CONCURRENCY=${webConcurrency}${fromBuildpack ? ` (set by ${BUILDPACK_MARKER})` : ''}`,
    ],
    ['CLUSTER_WORKERS', clusterWorkers === undefined ? undefined : `CLUSTER_WORKERS=${clusterWorkers}`],
    ['HEROKU_AVAILABLE_PARALLELISM', hap === undefined ? undefined : `HEROKU_AVAILABLE_PARALLELISM=${hap}`],
  ];
  /** The settings present that the plan did not use. */
  const unused = (...used: WorkerSource[]) =>
    present.filter(([name, label]) => label !== undefined && !used.includes(name)).map(([, label]) => label as string);
  const plan = (count: number, source: WorkerSource, reason: string, overridden: string[]) =>
    Object.freeze({ count, source, reason, overridden: Object.freeze(overridden), webMemoryMb });

  if (webConcurrency !== undefined && !fromBuildpack) {
    return plan(webConcurrency, 'WEB_CONCURRENCY', `WEB_CONCURRENCY=${webConcurrency}`, unused('WEB_CONCURRENCY'));
  }
  if (clusterWorkers !== undefined) {
    return plan(clusterWorkers, 'CLUSTER_WORKERS', `CLUSTER_WORKERS=${clusterWorkers}`, unused('CLUSTER_WORKERS'));
  }

  const cores = hap ?? machine.availableParallelism;
  const coresLabel = hap === undefined ? `${cores} available CPUs` : `HEROKU_AVAILABLE_PARALLELISM=${hap}`;
  const memoryBound = fromBuildpack ? webConcurrency : Math.max(1, Math.floor(memoryMb / webMemoryMb));
  const memoryLabel = fromBuildpack
    ? `WEB_CONCURRENCY=${webConcurrency} set by ${BUILDPACK_MARKER} from memory`
    : `${memoryMb} MB / WEB_MEMORY ${webMemoryMb} MB = ${memoryBound}`;
  const count = Math.min(cores, memoryBound, MAX_WORKERS);
  const source: WorkerSource =
    cores <= memoryBound ? (hap === undefined ? 'cores' : 'HEROKU_AVAILABLE_PARALLELISM') : 'memory';
  // The buildpack's WEB_CONCURRENCY is used here, as the memory bound.
  return plan(
    count,
    source,
    `min(${coresLabel}, ${memoryLabel})`,
    unused('HEROKU_AVAILABLE_PARALLELISM', 'WEB_CONCURRENCY'),
  );
}
