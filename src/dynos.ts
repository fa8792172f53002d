// Heroku's dyno sizes and the worker count planWorkers() chooses for each. This is data,
// not code: test/unit/dynos.test.ts feeds every row through the rule, and checks that the
// README's table is rendered from these rows.
// `cpus` is what os.availableParallelism() reports there: shared dynos (Eco to
// Standard-2X) see the host's 8 CPUs although they are given a share of them.
// Newer-generation dynos (`dyno-Nc-Mgb`) also set HEROKU_AVAILABLE_PARALLELISM=N.

export interface Dyno {
  readonly name: string;
  readonly memoryMb: number;
  readonly cpus: number;
  readonly newGeneration: boolean;
  readonly workers: number;
}

const classic = (name: string, memoryMb: number, cpus: number, workers: number): Dyno => ({
  name,
  memoryMb,
  cpus,
  newGeneration: false,
  workers,
});
const fir = (cpus: number, memoryGb: number, workers: number): Dyno => ({
  name: `dyno-${cpus}c-${memoryGb}gb`,
  memoryMb: memoryGb * 1024,
  cpus,
  newGeneration: true,
  workers,
});

export const DYNOS: readonly Dyno[] = [
  classic('Eco', 512, 8, 1),
  classic('Basic', 512, 8, 1),
  classic('Standard-1X', 512, 8, 1),
  classic('Standard-2X', 1024, 8, 2),
  classic('Performance-M', 2560, 2, 2),
  classic('Performance-L', 14336, 8, 8),
  classic('Performance-L-RAM', 30720, 4, 4),
  classic('Performance-XL', 63488, 8, 8),
  classic('Performance-2XL', 129024, 16, 16),
  fir(1, 0.5, 1),
  fir(1, 1, 1),
  fir(2, 4, 2),
  fir(4, 8, 4),
  fir(8, 16, 8),
  fir(16, 32, 16),
];
