// What Heroku's Node.js buildpacks put in the environment at dyno start, as their own code
// says. Both generations derive WEB_CONCURRENCY from memory alone, with the same formula:
// - Cedar, the classic buildpack: heroku/heroku-buildpack-nodejs, profile/WEB_CONCURRENCY.sh.
//   Runs only when WEB_CONCURRENCY is unset, reads cgroup v1 (memory/memory.limit_in_bytes)
//   or assumes 512 MB, and marks its figure WEB_CONCURRENCY_SET_BY=heroku/nodejs.
// - Fir, the Node.js CNB: heroku/buildpacks-nodejs, buildpacks/nodejs/src/bin/web_env.rs.
//   Runs at every launch and exports WEB_MEMORY and WEB_CONCURRENCY (the user's values, else
//   its own), unmarked; another launch step exports HEROKU_AVAILABLE_PARALLELISM, the vCPUs.

/** The value the classic buildpack writes into WEB_CONCURRENCY_SET_BY. */
export const BUILDPACK_MARKER = 'heroku/nodejs';

/** Both buildpacks clamp the memory they read to the largest dyno's: ~126 GB. */
const MAX_MEMORY_MB = 129_024;

/** Both buildpacks' WEB_MEMORY default: 512 MB a process, 2048 MB above 16 GB. */
export function buildpackWebMemoryMb(memoryMb: number): number {
  return Math.min(memoryMb, MAX_MEMORY_MB) > 16_384 ? 2048 : 512;
}

/** Both buildpacks' WEB_CONCURRENCY: how many processes of WEB_MEMORY fit the dyno's memory. */
export function buildpackWebConcurrency(memoryMb: number, webMemoryMb: number): number {
  return Math.max(1, Math.floor(Math.min(memoryMb, MAX_MEMORY_MB) / webMemoryMb));
}

export type Generation = 'cedar' | 'fir';

export interface DynoShape {
  readonly generation: Generation;
  readonly memoryMb: number;
  /** null: a share of a host's CPUs, as on Cedar's Eco to Standard-2X. */
  readonly vcpus: number | null;
}

/** The variables the generation's buildpack exports on a dyno of this shape, the user having set none. */
export function buildpackExports(dyno: DynoShape): Record<string, string> {
  const webMemory = buildpackWebMemoryMb(dyno.memoryMb);
  const webConcurrency = String(buildpackWebConcurrency(dyno.memoryMb, webMemory));
  return dyno.generation === 'cedar'
    ? { WEB_CONCURRENCY: webConcurrency, WEB_CONCURRENCY_SET_BY: BUILDPACK_MARKER, WEB_MEMORY: String(webMemory) }
    : {
        WEB_CONCURRENCY: webConcurrency,
        WEB_MEMORY: String(webMemory),
        HEROKU_AVAILABLE_PARALLELISM: String(dyno.vcpus),
      };
}
