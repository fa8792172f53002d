// The compile cache as a deploy meets it: built where the platform builds (npm ci without the
// dev tools, then npm run build), moved to where the dyno runs it, and read-only there.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { testRedis, whenRedis } from '../../../src/runtime/redis/test-redis.ts';
import { request } from '../helpers/http.ts';
import { freePort, outputLines, ROOT, spawnGroup } from '../helpers/process.ts';

const run = promisify(execFile);
const NOBODY = 65534;

// Loaded by every process through NODE_OPTIONS (plain JavaScript, so it needs no stripper
// itself): at exit each says whether it ever loaded the TypeScript stripper, and pino.
const PROBE = `import { createRequire } from 'node:module';
const modules = createRequire(import.meta.url).cache;
process.on('exit', () => process.stderr.write('probe ' + process.pid + ' ' +
  process.moduleLoadList.includes('NativeModule internal/deps/amaro/dist/index') + ' ' +
  Object.keys(modules).some((file) => file.includes('/node_modules/pino/')) + '\\n'));
`;

interface Boot {
  /** Per process (primary and two workers or runners): whether it loaded the stripper. */
  readonly stripper: boolean[];
  /** Whether the primary loaded pino. */
  readonly primaryPino: boolean;
  readonly exitCode: number | null;
}

async function boot(
  t: TestContext,
  app: string,
  probe: string,
  how: { command: string; args: string[]; env?: NodeJS.ProcessEnv; uid?: number },
  kind: 'web' | 'worker' = 'web',
): Promise<Boot> {
  const port = await freePort();
  const { child, exited } = spawnGroup(t, how.command, how.args, {
    cwd: app,
    uid: how.uid,
    gid: how.uid,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      WEB_CONCURRENCY: '2',
      LOG_FORMAT: 'json',
      NODE_ENV: 'production',
      NODE_OPTIONS: `--import=${probe}`,
      ...how.env,
    },
  });
  const output = outputLines(child, exited);
  await output.waitForLine('cluster ready', (line) => line.includes('"msg":"cluster ready"'));
  if (kind === 'web') assert.equal((await request(`http://127.0.0.1:${port}/`)).status, 200);
  else {
    // Past "taking jobs", a runner has loaded what it runs jobs with.
    for (const runner of ['runner 1', 'runner 2'])
      await output.waitForLine(
        `${runner} taking jobs`,
        (line) => line.includes(`"proc":"${runner}"`) && line.includes('"msg":"taking jobs"'),
      );
  }
  process.kill(-(child.pid as number), 'SIGTERM');
  const { code } = await exited;
  const probes = output.lines.filter((line) => line.startsWith('probe ')).map((line) => line.split(' '));
  assert.equal(probes.length, 3, output.lines.join('\n'));
  assert.deepEqual(
    output.lines.filter((line) => !line.startsWith('{') && !line.startsWith('probe ')),
    [],
    'nothing on stderr: a cache it cannot write is not worth a warning',
  );
  const primary = probes.find(([, pid]) => Number(pid) === child.pid);
  assert.ok(primary, 'the primary is the process the shell started');
  return {
    stripper: probes.map(([, , stripper]) => stripper === 'true'),
    primaryPino: primary[3] === 'true',
    exitCode: code,
  };
}

it('npm run build warms the cache; moved and read-only, every process boots without the stripper', async (t) => {
  // As root, permissions would not stop a write: the app runs as nobody, as a platform's user.
  const user = process.getuid?.() === 0 ? NOBODY : undefined;
  const slug = await mkdtemp(path.join(os.tmpdir(), 'slug-'));
  t.after(async () => {
    await run('chmod', ['-R', 'u+w', slug]);
    await rm(slug, { recursive: true, force: true });
  });
  // As the buildpack does: install only the dependencies in one directory, then build there.
  const build = path.join(slug, 'build');
  for (const entry of [
    'start.ts',
    'worker.ts',
    'package.json',
    'package-lock.json',
    'Procfile',
    'railway.json',
    'src',
    'scripts',
  ]) {
    await cp(path.join(ROOT, entry), path.join(build, entry), { recursive: true });
  }
  await run('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: build });
  // Node keeps one cache per user id, so the build runs as the user the app will run as.
  const home = path.join(slug, 'home');
  await mkdir(home);
  await run('chmod', ['-R', 'a+rX', slug]);
  if (user !== undefined) await run('chown', ['-R', `${user}:${user}`, build, home]);
  await run('npm', ['run', 'build'], { cwd: build, uid: user, gid: user, env: { PATH: process.env.PATH, HOME: home } });
  // Then run it somewhere else (Heroku: /tmp/build_* -> /app), where the app cannot write.
  const app = path.join(slug, 'app');
  await rename(build, app);
  const probe = path.join(slug, 'probe.mjs');
  await writeFile(probe, PROBE);
  if (user !== undefined) await run('chown', ['-R', '0:0', app]);
  await run('chmod', ['-R', 'a-w,a+rX', slug]);
  const procfileLines = (await readFile(path.join(app, 'Procfile'), 'utf8')).split('\n');
  const command = (type: string) =>
    procfileLines.find((line) => line.startsWith(`${type}: `))?.replace(`${type}: `, '') as string;
  const procfile = command('web');

  const warm = await boot(t, app, probe, { command: 'bash', args: ['-c', procfile], uid: user });
  assert.equal(warm.exitCode, 0);
  assert.deepEqual(warm.stripper, [false, false, false], 'the primary and both workers ran from the cache');
  assert.equal(warm.primaryPino, false, 'the primary writes its few lines without pino');

  await t.test("the Procfile's worker process type runs from the cache too", whenRedis, async (t) => {
    const worker = await boot(
      t,
      app,
      probe,
      { command: 'bash', args: ['-c', command('worker')], uid: user, env: testRedis(t) },
      'worker',
    );
    assert.equal(worker.exitCode, 0);
    assert.deepEqual(worker.stripper, [false, false, false], 'the primary and both runners ran from the cache');
  });

  // Railway's start command, in a shell as Railpack runs it: sh (dash, which does not exec a
  // last command by itself) must hand over to Node, and Node must find the same cache.
  const railway = JSON.parse(await readFile(path.join(app, 'railway.json'), 'utf8')).deploy.startCommand;
  const onRailway = await boot(t, app, probe, { command: 'sh', args: ['-c', railway], uid: user });
  assert.equal(onRailway.exitCode, 0);
  assert.deepEqual(onRailway.stripper, [false, false, false], "Railway's start command runs from the cache too");

  // Typed by hand, without the Procfile's variables: the entry is compiled before any code of
  // ours runs, but the workers still get the cache.
  const byHand = await boot(t, app, probe, { command: process.execPath, args: ['start.ts'], uid: user });
  assert.equal(byHand.exitCode, 0);
  assert.deepEqual(byHand.stripper.toSorted(), [false, false, true], 'only the primary stripped its own types');

  // No cache at all (an app deployed without its build step) costs only speed.
  await run('chmod', ['-R', 'u+w', path.join(app, 'node_modules')]);
  await rm(path.join(app, 'node_modules', '.cache'), { recursive: true });
  await run('chmod', ['-R', 'a-w', path.join(app, 'node_modules')]);
  const cold = await boot(t, app, probe, { command: 'bash', args: ['-c', procfile], uid: user });
  assert.equal(cold.exitCode, 0);
  assert.deepEqual(cold.stripper, [true, true, true]);
});
