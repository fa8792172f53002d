// Renders the dyno table for README.md, so the docs come from the same rows the tests
// check: `node src/dyno-table.ts` prints it.
import { DYNOS, type Dyno } from './dynos.ts';

export function renderDynoTable(dynos: readonly Dyno[]): string {
  const rows = dynos.map((d) => {
    const memory = d.memoryMb >= 1024 ? `${d.memoryMb / 1024} GB` : `${d.memoryMb} MB`;
    return `| ${d.name} | ${memory} | ${d.cpus} | ${d.workers} |`;
  });
  return ['| Dyno | Memory | CPUs Node sees | Workers |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

if (import.meta.main) console.log(renderDynoTable(DYNOS));
