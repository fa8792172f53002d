// Every way to start the kit with npm stops as the Procfile's process does: a SIGTERM or SIGINT
// to the npm process alone (as a process manager, an IDE or `kill` sends it) reaches node, which
// drains; npm exits with node's status, and nothing is left holding the port. Each script runs
// in a copy of the kit, in a process group of its own for the cleanup after a failure only.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it, type TestContext } from 'node:test';
import { request } from '../helpers/http.ts';
import { kitWithMigrations, migrate, sql } from '../helpers/migrations.ts';
import { admin, freshDatabase, needsPostgres } from '../helpers/postgres.ts';
import {
  copyOfKit,
  freePort,
  groupOf,
  isAlive,
  type LogLine,
  liveMembers,
  outputLines,
  portIsFree,
  spawnGroup,
} from '../helpers/process.ts';

/** The JSON log line in a line of output, after whatever prefix (heroku local's) came first. */
function logLine(line: string): LogLine | undefined {
  const start = line.indexOf('{"');
  if (start === -1) return undefined;
  try {
    return JSON.parse(line.slice(start)) as LogLine;
  } catch {
    return undefined;
  }
}

/** `npm <args>` in `cwd`, with every process that logs a line noted, and its group killed if the test fails. */
function npm(t: TestContext, cwd: string, args: string[], env: Record<string, string>) {
  const { child, exited, closed } = spawnGroup(t, 'npm', args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_FORMAT: 'json', WEB_CONCURRENCY: '2', ...env },
  });
  const output = outputLines(child, closed);
  const pids = new Set<number>();
  const groups = new Set<number>([child.pid as number]);
  createInterface({ input: child.stdout }).on('line', (line) => {
    const pid = logLine(line)?.pid;
    if (typeof pid !== 'number' || pids.has(pid)) return;
    pids.add(pid);
    const group = groupOf(pid);
    if (group !== undefined) groups.add(group);
  });
  // Children in groups of their own (start:pglite's app, heroku local's processes) outlive a
  // killed npm: after a failure, those go too.
  t.after(() => {
    for (const group of groups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {}
    }
  });
  const ready = async () =>
    logLine(await output.waitForLine('cluster ready', (line) => logLine(line)?.msg === 'cluster ready')) as LogLine;
  return { child, exited, closed, output, pids, groups, ready };
}

/** npm stopped with its status, and every process it led to, in every group, gone; the port free. */
async function assertAllGone(run: ReturnType<typeof npm>, port: number) {
  const exit = await run.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, run.output.lines.join('\n'));
  assert.ok(run.pids.size >= 3, `the primary and two workers logged: ${[...run.pids]}`);
  for (const pid of run.pids) assert.ok(!isAlive(pid), `process ${pid} is gone`);
  for (const group of run.groups) assert.deepEqual(liveMembers(group), [], `nothing left in group ${group}`);
  assert.ok(await portIsFree(port), `port ${port} is free`);
  // npm's exit can come before its output is all read: the lines are whole once its pipes close.
  await run.closed;
}

describe('a signal to the npm process alone drains, and leaves nothing running', { concurrency: true }, () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`npm start, ${signal}`, async (t) => {
      const port = await freePort();
      const run = npm(t, await copyOfKit(t), ['start'], { PORT: String(port) });
      await run.ready();
      process.kill(run.child.pid as number, signal);
      await assertAllGone(run, port);
      assert.ok(run.output.lines.some((line) => logLine(line)?.msg === 'shutdown complete'));
    });
  }

  it('npm start, a Ctrl+C at a terminal: the group and npm, one drain, not a forced stop', async (t) => {
    const port = await freePort();
    const run = npm(t, await copyOfKit(t), ['start'], { PORT: String(port) });
    await run.ready();
    // The terminal signals the whole foreground group; npm then passes its own copy on to node.
    process.kill(-(run.child.pid as number), 'SIGINT');
    await assertAllGone(run, port);
    assert.ok(!run.output.lines.some((line) => /forced/.test(logLine(line)?.msg ?? '')), 'no forced stop');
  });

  it('npm run dev (node --watch passes it on and waits)', async (t) => {
    const port = await freePort();
    const run = npm(t, await copyOfKit(t), ['run', 'dev'], { PORT: String(port) });
    await run.ready();
    process.kill(run.child.pid as number, 'SIGTERM');
    await assertAllGone(run, port);
  });

  it('npm run start:pglite (the app, then the database)', async (t) => {
    const copy = await copyOfKit(t);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pglite-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const [port, dbPort] = [await freePort(), await freePort()];
    const run = npm(t, copy, ['run', 'start:pglite', '--', `--port=${dbPort}`, `--dir=${dir}`], {
      PORT: String(port),
    });
    await run.ready();
    assert.equal((await request(`http://127.0.0.1:${port}/readyz`)).status, 200);
    process.kill(run.child.pid as number, 'SIGTERM');
    await assertAllGone(run, port);
    assert.ok(await portIsFree(dbPort), 'the database stopped too');
  });

  it('npm run local (heroku local and foreman, stopped as a Ctrl+C stops them)', async (t) => {
    const port = await freePort();
    // A fresh cache: nothing the developer's own heroku runs left behind.
    const cache = await mkdtemp(path.join(os.tmpdir(), 'heroku-cache-'));
    t.after(() => rm(cache, { recursive: true, force: true }));
    const run = npm(t, await copyOfKit(t), ['run', 'local'], { PORT: String(port), XDG_CACHE_HOME: cache });
    await run.ready();
    process.kill(run.child.pid as number, 'SIGTERM');
    await assertAllGone(run, port);
  });
});

describe('npm run migrate, stopped', needsPostgres, () => {
  it('mid-migration by a SIGTERM to npm: one line saying it is rolled back, a non-zero exit, and the next run applies it', async (t) => {
    const url = await freshDatabase(t);
    const database = new URL(url).pathname.slice(1);
    // The migration waits while the database says so: the first run is stopped in it, the second goes through.
    await admin(`alter database ${database} set kit_test.hold = 'on'`);
    const kit = await kitWithMigrations(t, {
      '1700000000000_notes.sql': sql(
        "create table notes (id int);\nselect pg_sleep(600) where current_setting('kit_test.hold', true) = 'on';",
      ),
    });
    const run = npm(t, kit, ['run', 'migrate'], { DATABASE_URL: url });
    // Under way once the server runs its statement.
    const sleeping =
      "select count(*)::int as n from pg_stat_activity where state = 'active' and query like '%pg_sleep(600)%' and pid <> pg_backend_pid()";
    while ((await admin<{ n: number }>(sleeping, url))[0]?.n === 0) {}
    process.kill(run.child.pid as number, 'SIGTERM');
    const exit = await run.exited;
    assert.notEqual(exit.code, 0, JSON.stringify(exit));
    await run.closed;
    const said = run.output.lines.map(logLine).filter((l) => l?.level === 'warn');
    assert.deepEqual(
      said.map((l) => l?.msg),
      ['migrate: stopped by SIGTERM: 1700000000000_notes is rolled back; run it again to apply what is left'],
    );
    assert.deepEqual(liveMembers(run.child.pid as number), [], 'nothing left of npm run migrate');

    await admin(`alter database ${database} reset kit_test.hold`);
    const again = await migrate(kit, { DATABASE_URL: url });
    assert.deepEqual(again.lines.at(-1)?.migrations, ['1700000000000_notes'], again.stdout + again.stderr);
  });
});
