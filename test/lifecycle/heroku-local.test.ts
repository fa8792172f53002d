import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { request } from '../helpers/http.ts';
import { freePort, ROOT } from '../helpers/process.ts';

it('`npm run local` (heroku local) runs the Procfile and serves the app', async (t) => {
  const port = await freePort();
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'heroku'), ['local', 'web', '--port', String(port)], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DISABLE_TELEMETRY: 'true',
      HEROKU_SKIP_ANALYTICS: '1',
      LOG_FORMAT: 'json',
    },
  });
  const exited = once(child, 'exit');
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-(child.pid as number), 'SIGKILL');
      await exited;
    }
  });
  const output: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      output.push(line);
      if (/"msg":"(cluster ready|listening)"/.test(line)) resolve();
    });
    void exited.then(() => reject(new Error(`heroku local exited before the app was ready:\n${output.join('\n')}`)));
  });
  await ready;
  const res = await request(`http://127.0.0.1:${port}/healthz`);
  assert.equal(res.status, 200);
  assert.ok(
    output.some((line) => line.includes(`on port ${port}`)),
    'the Procfile got the port heroku local chose',
  );
  process.kill(-(child.pid as number), 'SIGTERM');
  await exited;
});
