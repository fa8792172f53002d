// Memory of a server's processes, and of bare Node for scale: the primary's budget is judged
// against what Node costs before it runs a line of ours.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AppProcess } from './cluster-process.ts';
import { type ProcessMemory, parseSmapsRollup, processMemory } from './procfs.ts';

const MB = 1024 * 1024;

/** In MB; null where /proc cannot tell. */
export interface MemoryMb {
  readonly rssMb: number | null;
  /** Pages this process alone maps: what it adds to the dyno beyond the shared node binary. */
  readonly privateMb: number | null;
  /** Private pages plus a fair share of the shared ones: what the process costs the dyno. */
  readonly pssMb: number | null;
}

export interface MemorySnapshot {
  /** Null in single-process mode: there is no primary. */
  readonly primaryPid: number | null;
  readonly primary: MemoryMb | null;
  readonly perWorker: readonly ({ readonly id: number; readonly pid: number } & MemoryMb)[];
}

export interface NodeBaseline {
  /** `node -e`: the runtime alone. */
  readonly plain: MemoryMb;
  /** The same with TypeScript type stripping, which every process of this app pays for. */
  readonly typeStripping: MemoryMb;
}

const toMb = (bytes: number | undefined) => (bytes === undefined ? null : Math.round((bytes / MB) * 10) / 10);

const inMb = (memory: ProcessMemory | null): MemoryMb => ({
  rssMb: toMb(memory?.rssBytes),
  privateMb: toMb(memory?.privateBytes),
  pssMb: toMb(memory?.pssBytes),
});

export const processMemoryMb = (pid: number): MemoryMb => inMb(processMemory(pid));

export function memorySnapshot(app: AppProcess): MemorySnapshot {
  const perWorker = [...app.workerPids].map(([id, pid]) => ({ id, pid, ...inMb(processMemory(pid)) }));
  const single = app.workers === 1;
  return { primaryPid: single ? null : app.pid, primary: single ? null : inMb(processMemory(app.pid)), perWorker };
}

const run = promisify(execFile);
// Works as a script and as a module: the type-stripping run is ESM, where require is absent.
const PRINT_SMAPS =
  "process.stdout.write(process.getBuiltinModule('fs').readFileSync('/proc/self/smaps_rollup', 'utf8'))";

async function memoryOf(args: string[]): Promise<MemoryMb> {
  try {
    const { stdout } = await run(process.execPath, [...args, '-e', PRINT_SMAPS], { env: {} });
    return inMb(parseSmapsRollup(stdout));
  } catch {
    return inMb(null);
  }
}

export async function nodeBaseline(): Promise<NodeBaseline> {
  return {
    plain: await memoryOf([]),
    typeStripping: await memoryOf(['--input-type=module-typescript']),
  };
}
