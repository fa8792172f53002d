// `npm run dev` in a copy of the kit, so the test can write a .env and edit a source file
// without touching the developer's own.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, cp, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { request } from '../helpers/http.ts';
import { type LogLine, ROOT } from '../helpers/process.ts';

it('`npm run dev` loads .env under the real environment, and restarts on a change', async (t) => {
  const copy = await mkdtemp(path.join(os.tmpdir(), 'dev-test-'));
  t.after(() => rm(copy, { recursive: true, force: true }));
  for (const entry of ['start.ts', 'package.json', 'src', 'public']) {
    await cp(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
  }
  await symlink(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  // PORT in the file loses to the real PORT below; the other two only the file sets.
  await writeFile(path.join(copy, '.env'), 'PORT=1\nWEB_CONCURRENCY=1\nLOG_FORMAT=json\n');

  const child = spawn('npm', ['run', 'dev'], {
    cwd: copy,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0' },
  });
  const exited = once(child, 'exit');
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      process.kill(-(child.pid as number), 'SIGKILL');
      await exited;
    }
  });
  const output: string[] = [];
  const listening: LogLine[] = [];
  const waiters: (() => void)[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => output.push(line));
  createInterface({ input: child.stdout }).on('line', (text) => {
    output.push(text);
    if (!text.includes('"msg":"listening"')) return;
    listening.push(JSON.parse(text) as LogLine);
    for (const wake of waiters.splice(0)) wake();
  });
  const nthListening = (n: number) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const line = listening[n - 1];
        if (line) resolve(line);
        else waiters.push(check);
      };
      check();
      void exited.then(() => reject(new Error(`npm run dev exited:\n${output.join('\n')}`)));
    });

  const first = await nthListening(1);
  assert.equal(first.proc, 'app', 'WEB_CONCURRENCY=1 came from .env: one process');
  assert.notEqual(first.port, 1, 'the real PORT won over the file');
  assert.equal((await request(`http://127.0.0.1:${first.port}/healthz`)).status, 200);

  await appendFile(path.join(copy, 'src', 'routes', 'health.ts'), '\n// edited by the test\n');
  const second = await nthListening(2);
  assert.notEqual(second.pid, first.pid, 'a new process serves after the change');
  assert.equal((await request(`http://127.0.0.1:${second.port}/healthz`)).status, 200);

  process.kill(-(child.pid as number), 'SIGTERM');
  await exited;
});
