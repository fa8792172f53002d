// whenPostgres and whenRedis (src/runtime/service-gate.ts) in a user's test file whose servers
// do not answer: skipped, saying why, on a laptop; failed, saying why, under CI=true; and in
// both cases the file's other tests run.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { freePort, ROOT } from '../helpers/process.ts';

const FIXTURE = path.join(ROOT, 'kit', 'test', 'fixtures', 'gated-tests.ts');

/** The fixture's TAP output and exit code, with nothing listening where the servers would be. */
async function runGated(ci: boolean): Promise<{ code: number; out: string }> {
  const [redisPort, postgresPort] = [await freePort(), await freePort()];
  // Not CI's, nor node --test's: a run of its own, as a user's terminal starts it.
  const { CI: _ci, NODE_TEST_CONTEXT: _context, ...env } = process.env;
  const run = promisify(execFile)(process.execPath, ['--test', '--test-reporter=tap', FIXTURE], {
    cwd: ROOT,
    env: {
      ...env,
      ...(ci ? { CI: 'true' } : {}),
      TEST_REDIS_URL: `redis://:hunter2@127.0.0.1:${redisPort}`,
      TEST_DATABASE_URL: `postgres://app:hunter2@127.0.0.1:${postgresPort}/app`,
    },
  });
  try {
    return { code: 0, out: (await run).stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, out: failed.stdout };
  }
}

it('on a laptop, the gated tests are skipped with the reason, and the rest pass', async () => {
  const { code, out } = await runGated(false);
  assert.equal(code, 0, out);
  assert.match(out, /^ok \d+ - needs Redis # SKIP no Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: start one there/m);
  assert.match(
    out,
    /^ok \d+ - needs PostgreSQL # SKIP no PostgreSQL at postgres:\/\/app:\*\*\*@127\.0\.0\.1:\d+\/app/m,
  );
  assert.match(out, /^ok \d+ - needs both # SKIP no Redis at/m, 'either gate skips it');
  assert.match(out, /^ok \d+ - needs neither$/m);
  assert.doesNotMatch(out, /hunter2/, 'no password in the output');
});

it('under CI=true, the gated tests fail with the reason, and the rest still pass', async () => {
  const { code, out } = await runGated(true);
  assert.equal(code, 1, out);
  assert.match(out, /^not ok \d+ - needs Redis$/m);
  assert.match(out, /CI=true and no Redis answers at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: CI must start one/);
  assert.match(out, /^not ok \d+ - needs PostgreSQL$/m);
  assert.match(
    out,
    /CI=true and no PostgreSQL answers at postgres:\/\/app:\*\*\*@127\.0\.0\.1:\d+\/app: CI must start one/,
  );
  assert.match(out, /^not ok \d+ - needs both$/m);
  assert.match(out, /^ok \d+ - needs neither$/m);
  assert.doesNotMatch(out, /hunter2/, 'no password in the output');
});
