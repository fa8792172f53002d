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
import { testRedis } from '../../../src/runtime/testing.ts';
import { needsDemo } from '../helpers/demo.ts';
import { request } from '../helpers/http.ts';
import { byMsg, ROOT, startDyno } from '../helpers/process.ts';
import { needsRedis } from '../helpers/redis.ts';

const run = promisify(execFile);
const ENTRIES = [
  'start.ts',
  'worker.ts',
  'package.json',
  'tsconfig.json',
  'biome.json',
  '.gitignore',
  '.env.example',
  'README.md',
  'Procfile',
  'app.json',
  'render.yaml',
  'fly.toml',
  'railway.json',
  'railway.worker.json',
  '.do',
  'docs',
  'src',
  'scripts',
  'migrations',
  'test',
  'kit',
];
const DEPLOY_FILES = ['app.json', 'render.yaml', '.do/deploy.template.yaml'];

/** Whether `after` is `before` with one run of lines taken out, and nothing else changed. */
function removedBlock(before: string, after: string): boolean {
  const [a, b] = [before.split('\n'), after.split('\n')];
  let start = 0;
  while (start < b.length && a[start] === b[start]) start += 1;
  const taken = a.length - b.length;
  return taken > 0 && a.slice(start + taken).join('\n') === b.slice(start).join('\n');
}

async function copyWithTests(t: TestContext): Promise<string> {
  const copy = await mkdtemp(path.join(os.tmpdir(), 'kit-removed-'));
  t.after(() => rm(copy, { recursive: true, force: true }));
  // test/ is the app's own, and a new app may have none yet.
  for (const entry of ENTRIES.filter((e) => existsSync(path.join(ROOT, e)))) {
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
    assert.match(removal.stdout, /deleted src\/demo\/ and from src\/app\/app\.ts and src\/app\/jobs\/index\.ts:/);
    assert.match(removal.stdout, /^and DEMO_SURFACE from app\.json, render\.yaml, \.do\/deploy\.template\.yaml\.$/m);
    assert.equal(existsSync(path.join(copy, 'src', 'demo')), false);
    assert.doesNotMatch(await readFile(path.join(copy, 'src', 'app', 'app.ts'), 'utf8'), /demo/i);
    assert.doesNotMatch(await readFile(path.join(copy, 'src', 'app', 'jobs', 'index.ts'), 'utf8'), /demo/i);
    for (const file of DEPLOY_FILES) {
      const [before, after] = await Promise.all([ROOT, copy].map((dir) => readFile(path.join(dir, file), 'utf8')));
      assert.doesNotMatch(after as string, /DEMO_SURFACE/, file);
      assert.deepEqual(
        removedBlock(before as string, after as string),
        true,
        `${file}: one block taken out, every other line kept`,
      );
    }
    // Each deploy file still parses and passes its platform's schema, and app.json still offers
    // every variable it should: the kit's own checks, run in the copy.
    await run(
      process.execPath,
      ['--test', 'kit/test/unit/platform-files.test.ts', 'kit/test/unit/deploy-files.test.ts'],
      {
        cwd: copy,
        env,
      },
    );
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

    await t.test(
      'the worker process type, with no job left, says so rather than idle in silence',
      needsRedis,
      async (t) => {
        const worker = startDyno(t, { JOB_PROCESSES: '1', ...testRedis(t) }, path.join(copy, 'worker.ts'));
        await worker.waitFor('the runner takes jobs', byMsg('taking jobs'));
        const said = worker.logs.filter(byMsg('no job is defined: list yours in src/app/jobs/index.ts (docs/jobs.md)'));
        assert.equal(said.length, 1, 'the runner says it has no job');
        worker.signalGroup('SIGTERM');
        assert.equal((await worker.exited).code, 0);
      },
    );
  },
);

it(
  'refuses, changing nothing, when a deploy file names DEMO_SURFACE in a shape it does not know',
  needsDemo,
  async (t) => {
    const copy = await copyWithTests(t);
    const render = path.join(copy, 'render.yaml');
    const edited = (await readFile(render, 'utf8')).replace(
      /- key: DEMO_SURFACE\n\s+value: "on"/,
      '- { key: DEMO_SURFACE, value: "on" }',
    );
    await writeFile(render, edited);
    const before = await Promise.all(['app.json', 'src/app/app.ts'].map((f) => readFile(path.join(copy, f), 'utf8')));
    await assert.rejects(
      run('npm', ['run', '--silent', 'remove-demo'], { cwd: copy, env: { PATH: process.env.PATH } }),
      {
        code: 1,
        stderr:
          /^remove-demo: render\.yaml names DEMO_SURFACE other than as the entry it shipped with: remove it there by hand, then run npm run remove-demo again\n$/,
      },
    );
    assert.equal(existsSync(path.join(copy, 'src', 'demo')), true);
    assert.equal(await readFile(render, 'utf8'), edited);
    assert.deepEqual(
      await Promise.all(['app.json', 'src/app/app.ts'].map((f) => readFile(path.join(copy, f), 'utf8'))),
      before,
    );
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
