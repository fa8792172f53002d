// Renders README.md's two reference tables from the data the code runs on, so the docs
// cannot drift: `npm run docs` prints them, test/unit/docs.test.ts checks the README has them.
import { defaultWebMemoryMb } from './concurrency.ts';
import { VARIABLES } from './config.ts';
import { DYNOS, type Dyno } from './dynos.ts';

export function renderDynoTable(dynos: readonly Dyno[]): string {
  const rows = dynos.map((d) => {
    const memory = d.memoryMb >= 1024 ? `${d.memoryMb / 1024} GB` : `${d.memoryMb} MB`;
    const buildpack = Math.max(1, Math.floor(d.memoryMb / defaultWebMemoryMb(d.memoryMb)));
    return `| ${d.name} | ${memory} | ${d.cpus} | ${buildpack} | ${d.workers} |`;
  });
  return [
    "| Dyno | Memory | CPUs Node sees | Buildpack's WEB_CONCURRENCY | Workers we run |",
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

export function renderVariablesTable(): string {
  const rows = Object.entries(VARIABLES).map(([name, doc]) => `| \`${name}\` | ${doc.default} | ${doc.description} |`);
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

if (import.meta.main) console.log(`${renderVariablesTable()}\n\n${renderDynoTable(DYNOS)}`);
