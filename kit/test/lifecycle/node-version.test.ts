// A newcomer whose Node is too old is told so in one line, before anything is installed or
// started. Needs an older Node on the machine (CI's image has one in /usr/bin); without one
// the old-Node case is skipped and says so.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from '../helpers/process.ts';

const run = promisify(execFile);
const needed = Number.parseInt(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines.node, 10);

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

it('on the Node engines.node names or newer, the check passes in silence', async () => {
  const { stdout, stderr } = await run(process.execPath, ['src/runtime/check-node.js'], { cwd: ROOT });
  assert.equal(stdout + stderr, '');
});

for (const command of [['ci', '--dry-run'], ['start']]) {
  it(`npm ${command[0]} on an older Node stops with one line naming the version needed`, {
    skip: old ? false : `no Node older than ${needed} on this machine`,
  }, async () => {
    const env = { PATH: `${path.dirname(old as string)}${path.delimiter}${process.env.PATH}`, HOME: process.env.HOME };
    const failed = await run('npm', command, { cwd: ROOT, env }).then(
      () => assert.fail('npm went on'),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    assert.equal(failed.code, 1);
    const ours = failed.stderr.split('\n').filter((line) => line.startsWith('This app needs'));
    assert.deepEqual(ours, [
      `This app needs Node.js ${needed} or newer (package.json engines.node: ${needed}.x); this is Node ${execFileSync(old as string, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim()}. Install Node ${needed} (nvm install ${needed}) and run the command again.`,
    ]);
    assert.doesNotMatch(failed.stdout + failed.stderr, /ERR_UNKNOWN_FILE_EXTENSION| {4}at /, 'no stack');
  });
}
