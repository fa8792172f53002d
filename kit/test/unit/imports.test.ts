import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { ROOT } from '../helpers/process.ts';

/** Every module a file loads at startup: static imports only, followed through our own files. */
async function staticImports(file: string, seen = new Set<string>()): Promise<Set<string>> {
  const source = await readFile(file, 'utf8');
  // `import type` and `export type` are erased before the code runs: they load nothing.
  for (const [, specifier] of source.matchAll(/^(?:import|export)\s(?!type\s)[^;]*?from\s+'([^']+)'/gms)) {
    if (!specifier || seen.has(specifier)) continue;
    if (specifier.startsWith('.')) {
      const resolved = path.resolve(path.dirname(file), specifier);
      if (seen.has(resolved)) continue;
      seen.add(resolved);
      await staticImports(resolved, seen);
    } else seen.add(specifier);
  }
  return seen;
}

/** What the primary loads: start.ts, then the supervisor, which boot() imports only there. */
const primaryImports = async () => {
  const seen = await staticImports(path.join(ROOT, 'start.ts'));
  seen.add(path.join(ROOT, 'src', 'runtime', 'cluster', 'primary.ts'));
  return staticImports(path.join(ROOT, 'src', 'runtime', 'cluster', 'primary.ts'), seen);
};

it('a serving process never loads the supervisor: only the primary imports it', async () => {
  const loaded = [...(await staticImports(path.join(ROOT, 'start.ts')))];
  const worker = path.join(ROOT, 'src', 'runtime', 'cluster', 'worker.ts');
  loaded.push(...(await staticImports(worker)));
  assert.deepEqual(
    loaded.filter((m) => m.endsWith(`${path.sep}cluster${path.sep}primary.ts`)),
    [],
  );
});

it('the primary loads no app code: not Express, not src/app/ beyond its variables, not src/demo/, not the serving process', async () => {
  const loaded = [...(await primaryImports())];
  assert.ok(
    loaded.some((m) => m.endsWith('primary.ts')),
    'the walk reaches the supervisor',
  );
  const inside = (folder: string) => (m: string) => m.startsWith(path.join(ROOT, 'src', folder) + path.sep);
  const appCode = loaded.filter(
    (m) =>
      /express|helmet/.test(m) ||
      (inside('app')(m) && m !== path.join(ROOT, 'src', 'app', 'variables.ts')) ||
      inside('demo')(m) ||
      m.endsWith(`${path.sep}worker.ts`),
  );
  assert.deepEqual(appCode, []);
});

it('the primary loads no npm package: its memory stays near bare Node', async () => {
  const loaded = [...(await primaryImports())];
  assert.deepEqual(
    loaded.filter((m) => !m.startsWith('node:') && !path.isAbsolute(m)),
    [],
  );
});

/** Every relative import of every module under src/, the entries and your tests: file -> target. */
async function importGraph(): Promise<Map<string, string[]>> {
  const { readdir } = await import('node:fs/promises');
  const files = [
    path.join(ROOT, 'start.ts'),
    path.join(ROOT, 'worker.ts'),
    ...(await readdir(path.join(ROOT, 'scripts'))).map((f) => path.join(ROOT, 'scripts', f)),
    ...(await readdir(path.join(ROOT, 'src'), { recursive: true })).map((f) => path.join(ROOT, 'src', f)),
    ...(await readdir(path.join(ROOT, 'test'), { recursive: true })).map((f) => path.join(ROOT, 'test', f)),
  ].filter((f) => /\.(ts|js)$/.test(f) && !f.includes(`${path.sep}public${path.sep}`));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const source = await readFile(file, 'utf8');
    const targets = [...source.matchAll(/(?:\bfrom\s+|\bimport\(\s*)'(\.[^']+)'/g)].map(([, specifier]) =>
      path.resolve(path.dirname(file), specifier as string),
    );
    graph.set(file, targets);
  }
  return graph;
}

const under = (folder: string) => (file: string) => file.startsWith(path.join(ROOT, 'src', folder) + path.sep);
const edge = (from: string, to: string) => `${path.relative(ROOT, from)} -> ${path.relative(ROOT, to)}`;

it('nothing under src/runtime/ imports src/app/ or src/demo/: the entry hands the app in', async () => {
  const edges = [...(await importGraph())]
    .filter(([from]) => under('runtime')(from))
    .flatMap(([from, targets]) =>
      targets.filter((to) => under('app')(to) || under('demo')(to)).map((to) => edge(from, to)),
    );
  assert.deepEqual(edges, []);
});

it('src/app/ and src/demo/ reach the runtime only through its contract, and the demo never reaches the app', async () => {
  const contract = path.join(ROOT, 'src', 'runtime', 'contract.ts');
  const edges = [...(await importGraph())]
    .filter(([from]) => under('app')(from) || under('demo')(from))
    .flatMap(([from, targets]) =>
      targets
        .filter((to) => (under('runtime')(to) && to !== contract) || (under('demo')(from) && under('app')(to)))
        .map((to) => edge(from, to)),
    );
  assert.deepEqual(edges, []);
});

it('your tests reach the runtime only through its testing helpers (src/runtime/testing.ts) and its contract', async () => {
  const allowed = new Set(['testing.ts', 'contract.ts'].map((f) => path.join(ROOT, 'src', 'runtime', f)));
  const edges = [...(await importGraph())]
    .filter(([from]) => from.startsWith(path.join(ROOT, 'test') + path.sep))
    .flatMap(([from, targets]) =>
      targets.filter((to) => under('runtime')(to) && !allowed.has(to)).map((to) => edge(from, to)),
    );
  assert.deepEqual(edges, []);
});

it('no import cycles anywhere', async () => {
  const graph = await importGraph();
  const cycles: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (file: string, trail: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'visiting') {
      cycles.push([...trail.slice(trail.indexOf(file)), file].map((f) => path.relative(ROOT, f)).join(' -> '));
      return;
    }
    state.set(file, 'visiting');
    for (const to of graph.get(file) ?? []) visit(to, [...trail, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});

it("no process imports node:http or node:fs as an ES module: the namespace's getters load what nothing uses", async () => {
  // An ES import of a built-in evaluates every export: node:http's WebSocket getters load undici
  // (3 MB in each worker of the kit), node:fs's promises getter loads fs/promises and readline.
  // process.getBuiltinModule() returns the CommonJS object, which loads none of it.
  const seen = new Set<string>();
  for (const root of [
    'start.ts',
    'worker.ts',
    'src/runtime/cluster/primary.ts',
    'src/runtime/cluster/worker.ts',
    'src/runtime/jobs/runner.ts',
    'src/app/app.ts',
  ])
    await staticImports(path.join(ROOT, root), seen);
  assert.deepEqual(
    [...seen].filter((m) => /^node:(http|fs)$/.test(m)),
    [],
  );
});
