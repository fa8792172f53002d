// A newcomer whose Node is too old is told so before anything is installed or started. Needs
// an older Node on the machine (CI's image has one in /usr/bin); without one the old-Node cases
// are skipped and say so.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/process.ts';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const needed = Number.parseInt(pkg.engines.node, 10);

/** A node binary older than engines.node asks for, wherever the machine keeps one. */
function olderNode(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/local/bin'];
  for (const dir of new Set(dirs)) {
    const node = path.join(dir, 'node');
    if (!existsSync(node)) continue;
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    if (Number.parseInt(version.slice(1), 10) < needed) return node;
  }
  return undefined;
}

const old = olderNode();
const oldVersion = old && execFileSync(old, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
const skip = old ? false : `no Node older than ${needed} on this machine`;
/** npm 10.9 is the first to read devEngines. */
const [major = 0, minor = 0] = execFileSync('npm', ['--version'], { encoding: 'utf8' }).split('.').map(Number);
const npmReadsDevEngines = major > 10 || (major === 10 && minor >= 9);

/** npm with the older Node first on PATH; settles with how it ended. */
function npmOnOldNode(args: string[], cwd: string, env: Record<string, string> = {}) {
  return run('npm', args, {
    cwd,
    env: { PATH: `${path.dirname(old as string)}${path.delimiter}${process.env.PATH}`, HOME: process.env.HOME, ...env },
  }).then(
    () => assert.fail('npm went on'),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
}

/** What an `npm ci` needs, and nothing installed. */
async function freshCheckout(t: TestContext): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kit-install-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const file of ['package.json', 'package-lock.json', 'scripts/check-node.js']) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await cp(path.join(ROOT, file), path.join(dir, file));
  }
  return dir;
}

it('devEngines asks for the Node engines.node names, or newer', () => {
  assert.deepEqual(pkg.devEngines, { runtime: { name: 'node', version: `>=${needed}`, onFail: 'error' } });
});

it('on the Node engines.node names or newer, the check passes in silence', async () => {
  const { stdout, stderr } = await run(process.execPath, ['scripts/check-node.js'], { cwd: ROOT });
  assert.equal(stdout + stderr, '');
});

it('on the Node engines.node names, npm ci --omit=dev (as Heroku builds) passes the devEngines check', async (t) => {
  const dir = await freshCheckout(t);
  await run('npm', ['ci', '--omit=dev', '--dry-run', '--no-audit', '--no-fund'], { cwd: dir });
});

it('npm ci on an older Node stops before it fetches a package, naming the version needed', {
  skip: skip || (npmReadsDevEngines ? false : 'this npm is older than 10.9: it does not read devEngines'),
}, async (t) => {
  const dir = await freshCheckout(t);
  // A cache of its own: had npm fetched anything, it would be in there.
  const cache = path.join(dir, 'npm-cache');
  const failed = await npmOnOldNode(['ci', '--no-audit', '--no-fund'], dir, { npm_config_cache: cache });
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /EBADDEVENGINES/);
  assert.ok(
    failed.stderr.includes(`Invalid semver version ">=${needed}" does not match "v${oldVersion}" for "runtime"`),
    failed.stderr,
  );
  assert.equal(existsSync(path.join(dir, 'node_modules')), false, 'nothing installed');
  assert.equal(existsSync(path.join(cache, '_cacache')), false, 'nothing fetched');
});

it('npm start on an older Node stops before it starts anything', {
  skip: skip || (npmReadsDevEngines ? false : 'this npm is older than 10.9: it does not read devEngines'),
}, async () => {
  const failed = await npmOnOldNode(['start'], ROOT);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /EBADDEVENGINES/);
  assert.doesNotMatch(failed.stdout + failed.stderr, /ERR_UNKNOWN_FILE_EXTENSION| {4}at /, 'no stack');
});

it('for an npm older than 10.9, the preinstall and prestart check says it in one line', { skip }, async () => {
  const failed = await run(old as string, ['scripts/check-node.js'], { cwd: ROOT }).then(
    () => assert.fail('it went on'),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
  assert.equal(failed.code, 1);
  assert.equal(
    failed.stderr,
    `This app needs Node.js ${needed} or newer (package.json engines.node: ${needed}.x); this is Node ${oldVersion}. Install Node ${needed} (nvm install ${needed}) and run the command again.\n`,
  );
});
