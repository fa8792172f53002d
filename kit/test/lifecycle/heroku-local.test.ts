import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { request } from '../helpers/http.ts';
import { freePort, outputLines, spawnGroup } from '../helpers/process.ts';

it('`npm run local` (heroku local) runs the Procfile, serves the app, and stays offline', async (t) => {
  const port = await freePort();
  // A fresh cache: the CLI would otherwise skip its update check because an earlier run did it.
  const cache = await mkdtemp(path.join(os.tmpdir(), 'heroku-cache-'));
  t.after(() => rm(cache, { recursive: true, force: true }));
  const { child, exited } = spawnGroup(t, 'npm', ['run', 'local', '--', '--port', String(port)], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, XDG_CACHE_HOME: cache, LOG_FORMAT: 'json' },
  });
  const output = outputLines(child, exited);
  await output.waitForLine('the app was ready', (line) => /"msg":"(cluster ready|listening)"/.test(line));
  const res = await request(`http://127.0.0.1:${port}/healthz`);
  assert.equal(res.status, 200);
  assert.ok(
    output.lines.some((line) => line.includes(`on port ${port}`)),
    'the Procfile got the port heroku local chose',
  );
  process.kill(-(child.pid as number), 'SIGTERM');
  await exited;
  // The CLI's self-update runs detached for up to an hour and reaches for the network.
  assert.ok(!existsSync(path.join(cache, 'heroku', 'autoupdate.log')), 'no background `heroku update` was started');
});
