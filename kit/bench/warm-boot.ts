// Boot with an empty compile cache, then again with the cache the first boot left behind: the
// time to every worker ready, and each process's memory at rest after boot, where the memory
// targets apply.
import { setTimeout as delay } from 'node:timers/promises';
import { launch } from './cluster-process.ts';
import { type MemorySnapshot, memorySnapshot } from './memory.ts';

export interface BootResult {
  /** Spawn -> every worker ready, as the bench saw it. */
  readonly ms: number;
  readonly loggedMs: number | null;
  readonly memory: MemorySnapshot;
}

export interface CacheBoots {
  readonly workers: number;
  /** An empty cache: every process compiles everything, and loads the type stripper. */
  readonly cold: BootResult;
  /** The cache the cold boot wrote when it exited. */
  readonly warm: BootResult;
}

// Past the boot's last allocations: what a process holds from here on is its size at rest.
const SETTLE_MS = 1_000;

async function bootOnce(workers: number, env: Readonly<Record<string, string>>): Promise<BootResult> {
  const { app, bootMs, loggedMs } = await launch(workers, { env });
  await delay(SETTLE_MS);
  const memory = memorySnapshot(app);
  // Node writes the cache as the process exits: SIGTERM, not SIGKILL.
  await app.stop();
  return { ms: bootMs, loggedMs: loggedMs ?? null, memory };
}

/** `env` must name an empty cache directory (NODE_COMPILE_CACHE). */
export async function coldThenWarm(workers: number, env: Readonly<Record<string, string>>): Promise<CacheBoots> {
  const cold = await bootOnce(workers, env);
  const warm = await bootOnce(workers, env);
  return { workers, cold, warm };
}
