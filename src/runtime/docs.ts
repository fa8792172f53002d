// Renders the reference tables in docs/ from the data the code runs on, so the docs cannot
// drift: `npm run docs` prints them, the unit tests check docs/ has them.

import { VARIABLES } from './config.ts';
import { buildpackExports, type Generation } from './platform/buildpacks.ts';
import { DYNOS, type Dyno } from './platform/dynos.ts';

const memory = (mb: number) => (mb >= 1024 ? `${mb / 1024} GB` : `${mb} MB`);

/** One generation's sizes: what its buildpack exports there, and the workers we run. */
export function renderDynoTable(dynos: readonly Dyno[], generation: Generation): string {
  const rows = dynos
    .filter((d) => d.generation === generation)
    .map((d) => {
      const env = buildpackExports(d);
      const cells =
        generation === 'cedar'
          ? [
              d.name,
              memory(d.memoryMb),
              d.vcpus ?? 'shared',
              d.cpusNodeSees,
              env.WEB_CONCURRENCY,
              env.WEB_MEMORY,
              d.workers,
            ]
          : [d.name, memory(d.memoryMb), d.vcpus, env.WEB_CONCURRENCY, env.WEB_MEMORY, d.workers];
      return `| ${cells.join(' | ')} |`;
    });
  const header =
    generation === 'cedar'
      ? ['Dyno', 'Memory', 'vCPUs', 'CPUs Node sees', 'WEB_CONCURRENCY (marked)', 'WEB_MEMORY', 'Workers we run']
      : ['Dyno', 'Memory', 'vCPUs = HEROKU_AVAILABLE_PARALLELISM', 'WEB_CONCURRENCY', 'WEB_MEMORY', 'Workers we run'];
  return [`| ${header.join(' | ')} |`, `|${' --- |'.repeat(header.length)}`, ...rows].join('\n');
}

export function renderVariablesTable(): string {
  const rows = Object.entries(VARIABLES).map(([name, doc]) => `| \`${name}\` | ${doc.default} | ${doc.description} |`);
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

if (import.meta.main) {
  console.log([renderVariablesTable(), renderDynoTable(DYNOS, 'cedar'), renderDynoTable(DYNOS, 'fir')].join('\n\n'));
}
