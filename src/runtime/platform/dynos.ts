// Every dyno size Heroku sells, and the workers planWorkers() chooses on each. This is data,
// not code: kit/test/unit/dynos.test.ts checks it against the sizes the installed `heroku` CLI
// lists (`ps:type`), feeds every row through the rule, and checks that docs/clustering.md's tables are
// rendered from these rows (`npm run docs`).
import type { DynoShape } from './buildpacks.ts';

export interface Dyno extends DynoShape {
  readonly name: string;
  /**
   * What os.availableParallelism() reports on Cedar: shared dynos (Eco to Standard-2X) see
   * the host's 8 CPUs although they get a share of them. On Fir the CNB's
   * HEROKU_AVAILABLE_PARALLELISM says the vCPUs, whatever Node sees.
   */
  readonly cpusNodeSees?: number;
  /** The count planWorkers() must choose there. */
  readonly workers: number;
}

const GB = 1024;

const cedar = (name: string, memoryMb: number, vcpus: number | null, cpusNodeSees: number, workers: number): Dyno => ({
  name,
  generation: 'cedar',
  memoryMb,
  vcpus,
  cpusNodeSees,
  workers,
});

// Private Spaces and Shield Spaces sell the Performance sizes under their own names (Dev
// Center's dyno-types table lists them in one row each); their -S size has Performance-M's
// compute with 1 GB.
const dedicated = (size: string, memoryMb: number, vcpus: number, workers: number): Dyno[] =>
  ['Performance', 'Private', 'Shield']
    .filter((tier) => size !== 'S' || tier !== 'Performance')
    .map((tier) => cedar(`${tier}-${size}`, memoryMb, vcpus, vcpus, workers));

// Fir's names say the size: dyno-<vCPUs>c-<GB>gb.
const fir = (vcpus: number, memoryGb: number, workers: number): Dyno => ({
  name: `dyno-${vcpus}c-${memoryGb}gb`,
  generation: 'fir',
  memoryMb: memoryGb * GB,
  vcpus,
  workers,
});

export const DYNOS: readonly Dyno[] = [
  cedar('Eco', 512, null, 8, 1),
  cedar('Basic', 512, null, 8, 1),
  cedar('Standard-1X', 512, null, 8, 1),
  cedar('Standard-2X', GB, null, 8, 2),
  ...dedicated('S', GB, 2, 2),
  ...dedicated('M', 2.5 * GB, 2, 2),
  ...dedicated('L', 14 * GB, 8, 8),
  ...dedicated('L-RAM', 30 * GB, 4, 4),
  ...dedicated('XL', 62 * GB, 8, 8),
  ...dedicated('2XL', 126 * GB, 16, 16),
  fir(1, 0.5, 1),
  fir(1, 4, 1),
  fir(1, 8, 1),
  fir(2, 1, 2),
  fir(2, 4, 2),
  fir(2, 8, 2),
  fir(2, 16, 2),
  fir(4, 8, 4),
  fir(4, 16, 4),
  fir(4, 32, 4),
  fir(8, 16, 8),
  fir(8, 32, 8),
  fir(8, 64, 8),
  fir(16, 32, 16),
  fir(16, 64, 16),
  fir(16, 128, 16),
  fir(32, 64, 32),
];

/**
 * Sizes the CLI still prices for old formations but Heroku no longer sells: Free and Hobby
 * (replaced by Eco and Basic in 2022), 1X, 2X and PX (renamed Standard-1X, Standard-2X and
 * Performance), and Performance (split into -M and -L).
 */
export const RETIRED_DYNOS: readonly string[] = ['Free', 'Hobby', '1X', '2X', 'PX', 'Performance'];
