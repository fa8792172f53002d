// The facts a reader needs before trusting any figure below them.
import os from 'node:os';

export interface BenchMachine {
  /** os.cpus().length: the CPUs the kernel shows. */
  readonly cpus: number;
  /** os.availableParallelism(): the CPUs this process may use, cgroup quota included. */
  readonly availableParallelism: number;
  readonly node: string;
  readonly totalMemoryMb: number;
  readonly cpuModel: string;
  readonly platform: string;
}

export function benchMachine(): BenchMachine {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    node: process.version,
    totalMemoryMb: Math.round(os.totalmem() / (1024 * 1024)),
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}
