// `npm run dev` in a copy of the kit, so the test can write a .env and edit a source file
// without touching the developer's own.
import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { it } from 'node:test';
import { request } from '../helpers/http.ts';
import { copyOfKit, type LogLine, outputLines, spawnGroup } from '../helpers/process.ts';

it('`npm run dev` loads .env under the real environment, and restarts on a change', async (t) => {
  const copy = await copyOfKit(t);
  // PORT in the file loses to the real PORT below; the other two only the file sets.
  await writeFile(path.join(copy, '.env'), 'PORT=1\nWEB_CONCURRENCY=1\nLOG_FORMAT=json\n');

  const { child, exited } = spawnGroup(t, 'npm', ['run', 'dev'], {
    cwd: copy,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0' },
  });
  const output = outputLines(child, exited);
  const listening = async (after?: LogLine) => {
    const isNew = (line: string) =>
      line.includes('"msg":"listening"') && (!after || !line.includes(`"pid":${after.pid},`));
    return JSON.parse(await output.waitForLine('"listening"', isNew)) as LogLine;
  };

  const first = await listening();
  assert.equal(first.proc, 'app', 'WEB_CONCURRENCY=1 came from .env: one process');
  assert.notEqual(first.port, 1, 'the real PORT won over the file');
  assert.equal((await request(`http://127.0.0.1:${first.port}/healthz`)).status, 200);

  await appendFile(path.join(copy, 'src', 'app', 'routes', 'home.ts'), '\n// edited by the test\n');
  const second = await listening(first);
  assert.notEqual(second.pid, first.pid, 'a new process serves after the change');
  assert.equal((await request(`http://127.0.0.1:${second.port}/healthz`)).status, 200);

  process.kill(-(child.pid as number), 'SIGTERM');
  await exited;
});
