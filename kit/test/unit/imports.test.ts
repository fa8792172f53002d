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

it('the primary loads no app code: not Express, not src/app/ beyond its variables, not src/demo/, not the serving process', async () => {
  const loaded = [...(await staticImports(path.join(ROOT, 'start.ts')))];
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
  const loaded = [...(await staticImports(path.join(ROOT, 'start.ts')))];
  assert.deepEqual(
    loaded.filter((m) => !m.startsWith('node:') && !path.isAbsolute(m)),
    [],
  );
});

it('nothing under src/runtime/ imports src/app/ or src/demo/: the entry hands the app in', async () => {
  const { readdir } = await import('node:fs/promises');
  const files = (await readdir(path.join(ROOT, 'src', 'runtime'), { recursive: true }))
    .filter((f) => /\.(ts|js)$/.test(f))
    .map((f) => path.join(ROOT, 'src', 'runtime', f));
  const edges: string[] = [];
  for (const file of files) {
    const source = await readFile(file, 'utf8');
    for (const [, specifier] of source.matchAll(/(?:from\s+|import\()\s*'(\.[^']+)'/g)) {
      const target = path.resolve(path.dirname(file), specifier as string);
      for (const folder of ['app', 'demo'])
        if (target.startsWith(path.join(ROOT, 'src', folder) + path.sep))
          edges.push(`${path.relative(ROOT, file)} -> ${path.relative(ROOT, target)}`);
    }
  }
  assert.deepEqual(edges, []);
});
