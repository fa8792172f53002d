import os from 'node:os';
import { readCpuQuota } from './cgroup-cpu.ts';
import type { MachineFacts } from './concurrency.ts';

/**
 * Reads what this machine allows. libuv already reads the cgroup (v2 memory.max, v1
 * memory.limit_in_bytes) for process.constrainedMemory() and the CPU quota for
 * os.availableParallelism(); with no memory limit it reports 0 or a huge number, so the
 * machine's memory bounds it. The CPU quota is read again, by us, for cgroup v1 (cgroup-cpu.ts).
 */
export function readMachineFacts(): MachineFacts {
  const constrained = process.constrainedMemory();
  const total = os.totalmem();
  const memoryLimited = constrained > 0 && constrained < total;
  return {
    availableParallelism: os.availableParallelism(),
    memoryLimitBytes: memoryLimited ? constrained : total,
    memoryLimited,
    cpuQuota: readCpuQuota(),
  };
}
