import assert from 'node:assert/strict';
import path from 'node:path';
import { it } from 'node:test';
import { request } from '../helpers/http.ts';
import { freePort, outputLines, ROOT, spawnGroup } from '../helpers/process.ts';

it('`npm run local` (heroku local) runs the Procfile and serves the app', async (t) => {
  const port = await freePort();
  const { child, exited } = spawnGroup(
    t,
    path.join(ROOT, 'node_modules', '.bin', 'heroku'),
    ['local', 'web', '--port', String(port)],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DISABLE_TELEMETRY: 'true',
        HEROKU_SKIP_ANALYTICS: '1',
        LOG_FORMAT: 'json',
      },
    },
  );
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
});
