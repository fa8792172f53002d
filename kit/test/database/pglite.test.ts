// `npm run start:pglite`: the database parts without a PostgreSQL server installed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { needsDemo } from '../helpers/demo.ts';
import { request } from '../helpers/http.ts';
import { kitWithMigrations } from '../helpers/migrations.ts';
import { copyOfKit, freePort, outputLines, spawnGroup } from '../helpers/process.ts';

it(
  'start:pglite migrates an embedded PostgreSQL, serves with it, and stops it after the app drains',
  needsDemo,
  async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pglite-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    // The demo's migration alone: the app's own are not this test's concern.
    const kit = await kitWithMigrations(t, {}, { demo: true });
    // Ended once its pipes close, not at its exit: the lines below are read to the last.
    const { child, closed: exited } = spawnGroup(
      t,
      // What `npm run start:pglite` runs, without npm in between: the signal below is for it alone.
      process.execPath,
      [path.join(kit, 'scripts/pglite.ts'), `--port=${await freePort()}`, `--dir=${dir}`],
      {
        cwd: kit,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', WEB_CONCURRENCY: '2', LOG_FORMAT: 'json' },
      },
    );
    const output = outputLines(child, exited);
    const ready = JSON.parse(await output.waitForLine('cluster ready', (l) => l.includes('"msg":"cluster ready"')));
    assert.ok(
      output.lines.some((l) => l.includes('"msg":"migrate: applied 1"') && l.includes('1764633600000_visits')),
      'migrated before the app started',
    );
    const base = `http://127.0.0.1:${ready.port}`;
    for (let i = 1; i <= 3; i += 1) {
      const res = await request(`${base}/api/visits`, { method: 'POST' });
      assert.equal((res.json() as { database: { count: number } }).database.count, i);
    }
    assert.equal((await request(`${base}/readyz`)).status, 200);
    process.kill(-(child.pid as number), 'SIGTERM');
    const exit = await exited;
    assert.equal(exit.code, 0, JSON.stringify(exit));
    const closed = output.lines.filter(
      (l) => l.includes('"msg":"resource closed"') && l.includes('"resource":"database"'),
    );
    assert.equal(closed.length, 2, 'both workers closed their pools before PGlite stopped');
  },
);

it('start:pglite reads .env as npm start does: a bad value stops it, in one line, before the database is made', async (t) => {
  const kit = await copyOfKit(t);
  await writeFile(path.join(kit, '.env'), 'WEB_CONCURRENCY=lots\n');
  const dir = path.join(kit, 'pglite-data');
  // Its end, not its 'exit': the error is its last line, and may still be in the pipe then.
  const { child, closed: exited } = spawnGroup(
    t,
    process.execPath,
    [path.join(kit, 'scripts/pglite.ts'), `--port=${await freePort()}`, `--dir=${dir}`],
    { cwd: kit, env: { PATH: process.env.PATH, HOME: process.env.HOME } },
  );
  const output = outputLines(child, exited);
  assert.equal(
    await output.waitForLine('the error', (line) => line.startsWith('Configuration error')),
    'Configuration error: WEB_CONCURRENCY="lots" is not valid: expected a whole number from 1 to 128 (set in .env)',
  );
  assert.equal((await exited).code, 1);
  assert.equal(existsSync(dir), false);
});
