// Renders the reference tables in docs/ from the data the code runs on, so the docs cannot
// drift: `npm run docs` (scripts/docs.ts) prints them and writes your app's variables into
// docs/configuration.md and .env.example; the kit's tests check docs/ has the kit's.

import { readFileSync, writeFileSync } from 'node:fs';
import { VARIABLES } from './config.ts';
import { buildpackExports, type Generation } from './platform/buildpacks.ts';
import { planDeadline } from './platform/deadline.ts';
import { DYNOS, type Dyno } from './platform/dynos.ts';
import { PLATFORMS, type Platform } from './platform/platforms.ts';
import { allowedBy, defaultOf, type VariableSpecs } from './variables.ts';

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

const code = (names: readonly string[]) => names.map((name) => `\`${name}\``).join(' + ');

/** One row a platform: how it is recognised, what it sends, and the deadline the kit picks there. */
export function renderPlatformTable(platforms: readonly Platform[] = PLATFORMS): string {
  const rows = platforms.map((p) => {
    const recognised = p.markers.length
      ? p.markers.map(code).join(' or ')
      : p.id === 'unknown'
        ? 'none of the others'
        : `\`PLATFORM=${p.id}\``;
    const grace =
      p.grace.defaultSeconds === null
        ? 'unconfirmed'
        : `${p.grace.defaultSeconds} s${p.grace.variable ? ` (\`${p.grace.variable}\`)` : ''}`;
    const deadline = planDeadline(p, { shutdownTimeoutS: undefined, graceVariableS: undefined });
    const cells = [
      `\`${p.id}\``,
      p.name,
      recognised,
      p.instanceVariables.length
        ? `${code(p.instanceVariables).replaceAll(' + ', ', else ')}${p.id === 'fly' ? ` with \`.FLY_REGION\`` : ''}`
        : 'none',
      `${p.signal} ${{ 'every process': 'to every process', 'first process': 'to the first process only', unconfirmed: '(to whom: unconfirmed)' }[p.signalledProcesses]}`,
      grace,
      `${deadline.ms / 1000} s${
        deadline.warning === undefined
          ? ''
          : deadline.source === 'default'
            ? `, the kit's default, and a boot warning: the grace may be raised in ${p.grace.alsoSetUnseenIn}, unseen; set ${p.grace.variable}`
            : ': too little to drain, the boot line says so'
      }`,
      p.cpus,
      `${p.proxy.hops}: ${p.proxy.note}${p.proxy.clientIpHeader ? ` (or \`${p.proxy.clientIpHeader}\`)` : ''}`,
    ];
    return `| ${cells.join(' | ')} |`;
  });
  const header = [
    'PLATFORM',
    'Platform',
    'Recognised by',
    'Instance name',
    'Stop signal',
    'Grace before SIGKILL',
    'Deadline the kit picks',
    'CPUs: what it exposes, what the kit counts',
    'Proxy hops it trusts: what X-Forwarded-For holds',
  ];
  return [`| ${header.join(' | ')} |`, `|${' --- |'.repeat(header.length)}`, ...rows].join('\n');
}

/** Your app's variables (src/app/variables.ts), as docs/configuration.md lists them. */
export function renderAppVariablesTable(specs: VariableSpecs): string {
  const rows = Object.entries(specs).map(
    ([name, spec]) => `| \`${name}\` | ${defaultOf(spec)} | ${allowedBy(spec)} | ${spec.description} |`,
  );
  if (rows.length === 0) return '_None yet: declare them in `src/app/variables.ts`._';
  return ['| Variable | Default | Allowed | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

/**
 * Your app's variables as .env.example shows them: each commented out, with what is allowed,
 * set apart by blank lines as the kit's own are, from each other and from the section's markers.
 */
export function renderAppVariablesEnv(specs: VariableSpecs): string {
  const blocks = Object.entries(specs).map(([name, spec]) => {
    const value = 'default' in spec && spec.default !== undefined ? String(spec.default) : '';
    return `# ${spec.description}\n# ${allowedBy(spec)}; default: ${defaultOf(spec)}.\n# ${name}=${value}`;
  });
  return blocks.length === 0 ? '' : `\n${blocks.join('\n\n')}\n`;
}

export const APP_SECTION = {
  markdown: ['<!-- app-variables: written by npm run docs -->', '<!-- end of app-variables -->'],
  env: ["# --- Your app's variables (src/app/variables.ts), written by npm run docs ---", '# --- end ---'],
} as const;

/** Replaces what lies between the two marker lines of `file`; false when a marker is missing. */
export function writeBetween(file: string, [start, end]: readonly [string, string], body: string): boolean {
  const text = readFileSync(file, 'utf8');
  const from = text.indexOf(`${start}\n`);
  const to = text.indexOf(end, from);
  if (from === -1 || to === -1) return false;
  const next = `${text.slice(0, from + start.length + 1)}${body}\n${text.slice(to)}`;
  if (next !== text) writeFileSync(file, next);
  return true;
}

/** Every table, for `npm run docs` to print. */
export function renderAll(specs: VariableSpecs): string {
  return [
    renderVariablesTable(),
    renderAppVariablesTable(specs),
    renderDynoTable(DYNOS, 'cedar'),
    renderDynoTable(DYNOS, 'fir'),
    renderPlatformTable(),
  ].join('\n\n');
}
