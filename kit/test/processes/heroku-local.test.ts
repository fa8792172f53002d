// `npm run local`, in a copy of the kit whose Procfile has a process type of the user's own.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { request } from '../helpers/http.ts';
import {
  copyOfKit,
  freePort,
  groupOf,
  isAlive,
  outputLines,
  portIsFree,
  ROOT,
  spawnGroup,
} from '../helpers/process.ts';

it('`npm run local` runs every process type of the Procfile but release, serves on PORT, stays offline, and stops them all', async (t) => {
  const copy = await copyOfKit(t);
  const worker = path.join(ROOT, 'kit', 'test', 'fixtures', 'procfile-worker.ts');
  await appendFile(path.join(copy, 'Procfile'), `worker: node ${worker}\n`);
  const port = await freePort();
  // A fresh cache: the CLI would otherwise skip its update check because an earlier run did it.
  const cache = await mkdtemp(path.join(os.tmpdir(), 'heroku-cache-'));
  t.after(() => rm(cache, { recursive: true, force: true }));
  const { child, exited } = spawnGroup(t, 'npm', ['run', 'local'], {
    cwd: copy,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      XDG_CACHE_HOME: cache,
      LOG_FORMAT: 'json',
      PORT: String(port),
    },
  });
  const output = outputLines(child, exited);
  const running = await output.waitForLine('the worker line runs', (line) => /procfile worker \d+ running/.test(line));
  const workerPid = Number(/procfile worker (\d+) running/.exec(running)?.[1]);
  // heroku local's group is not npm's: if the test fails, its processes go too.
  const group = groupOf(workerPid);
  t.after(() => {
    try {
      process.kill(-(group as number), 'SIGKILL');
    } catch {}
  });
  await output.waitForLine('the app was ready', (line) => line.includes('"msg":"cluster ready"'));
  assert.equal((await request(`http://127.0.0.1:${port}/healthz`)).status, 200, 'web got PORT');
  assert.ok(!output.lines.some((line) => /release\.\d/.test(line)), 'the release process is not run');

  process.kill(child.pid as number, 'SIGTERM');
  assert.deepEqual(await exited, { code: 0, signal: null });
  assert.ok(
    output.lines.some((line) => line.includes('procfile worker stopped by SIGINT')),
    'the worker was stopped',
  );
  assert.ok(!isAlive(workerPid), 'the worker is gone');
  assert.ok(await portIsFree(port), 'the port is free');
  // The CLI's self-update runs detached for up to an hour and reaches for the network.
  assert.ok(!existsSync(path.join(cache, 'heroku', 'autoupdate.log')), 'no background `heroku update` was started');
});
