// `npm run remove-demo`, followed word for word in a copy of the kit: afterwards the app
// type-checks, lints, boots a cluster and serves what any app on the kit serves. (.ci/run also
// runs the whole `npm test` in such a copy.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { needsDemo } from '../helpers/demo.ts';
import { request } from '../helpers/http.ts';
import { byMsg, ROOT, startDyno } from '../helpers/process.ts';

const run = promisify(execFile);
const ENTRIES = ['start.ts', 'package.json', 'tsconfig.json', 'biome.json', '.gitignore', 'src', 'test', 'kit'];

async function copyWithTests(t: TestContext): Promise<string> {
  const copy = await mkdtemp(path.join(os.tmpdir(), 'kit-removed-'));
  t.after(() => rm(copy, { recursive: true, force: true }));
  for (const entry of ENTRIES) {
    await cp(path.join(ROOT, entry), path.join(copy, entry), {
      recursive: true,
      filter: (source) => !source.includes(`${path.sep}artifacts`),
    });
  }
  await symlink(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  return copy;
}

it(
  'npm run remove-demo leaves an app that checks, boots and serves /, /healthz, /readyz and /metrics',
  needsDemo,
  async (t) => {
    const copy = await copyWithTests(t);
    const env = { PATH: process.env.PATH, HOME: process.env.HOME };
    const removal = await run('npm', ['run', '--silent', 'remove-demo'], { cwd: copy, env });
    assert.match(removal.stdout, /deleted src\/demo\/ and from src\/app\/app\.ts:/);
    assert.equal(existsSync(path.join(copy, 'src', 'demo')), false);
    assert.doesNotMatch(await readFile(path.join(copy, 'src', 'app', 'app.ts'), 'utf8'), /demo/i);
    const again = await run('npm', ['run', '--silent', 'remove-demo'], { cwd: copy, env });
    assert.match(again.stdout, /already gone: nothing to do/);

    // What `npm test` runs first: every file, bench and tests included, still type-checks and lints.
    await run('npx', ['tsc', '-p', '.'], { cwd: copy, env });
    await run('npx', ['biome', 'check', '.'], { cwd: copy, env });

    const dyno = startDyno(t, { WEB_CONCURRENCY: '2' }, path.join(copy, 'start.ts'));
    const { port } = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
    const base = `http://127.0.0.1:${port}`;
    const home = await request(`${base}/`);
    assert.equal(home.status, 200);
    assert.equal((home.json() as { status: string }).status, 'running');
    for (const route of ['/healthz', '/readyz', '/metrics'])
      assert.equal((await request(`${base}${route}`)).status, 200, route);
    for (const route of ['/api/info', '/demo/sleep?ms=1', '/static/style.css'])
      assert.equal((await request(`${base}${route}`)).status, 404, route);
    dyno.signalGroup('SIGTERM');
    assert.equal((await dyno.exited).code, 0);
  },
);

it('refuses, changing nothing, when app.ts no longer names the demo as it shipped', needsDemo, async (t) => {
  const copy = await copyWithTests(t);
  const appFile = path.join(copy, 'src', 'app', 'app.ts');
  const edited = (await readFile(appFile, 'utf8')).replace(/^.*mountDemo\(.*\n/m, '');
  await writeFile(appFile, edited);
  await assert.rejects(run('npm', ['run', '--silent', 'remove-demo'], { cwd: copy, env: { PATH: process.env.PATH } }), {
    code: 1,
    stderr: /expected 2 lines naming the demo in src\/app\/app\.ts .* found 1: remove them by hand/,
  });
  assert.equal(existsSync(path.join(copy, 'src', 'demo')), true);
  assert.equal(await readFile(appFile, 'utf8'), edited);
});
