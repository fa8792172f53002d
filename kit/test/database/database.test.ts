// The database under clustering, against a real PostgreSQL: connections per worker, the visit
// counter under concurrent load, a slow query through a drain, an outage and its end, a wrong
// role. Migrations: migrate.test.ts.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { needsDemo } from '../helpers/demo.ts';
import { request } from '../helpers/http.ts';
import { kitWithMigrations, migrate as migrateKit } from '../helpers/migrations.ts';
import { admin, databaseProxy, freshDatabase, needsPostgres } from '../helpers/postgres.ts';
import { byMsg, type Dyno, startDyno } from '../helpers/process.ts';

const READY = { 1: 'listening', 2: 'cluster ready' } as const;

/** The demo's table, made by its own migration alone: whatever migrations the app has added are not this file's concern. */
async function migrate(t: TestContext, url: string) {
  const done = await migrateKit(await kitWithMigrations(t, {}, { demo: true }), { DATABASE_URL: url });
  assert.equal(done.code, 0, done.stdout + done.stderr);
}

async function boot(
  t: TestContext,
  env: Record<string, string>,
  workers: 1 | 2 = 2,
): Promise<{ dyno: Dyno; base: string }> {
  const dyno = startDyno(t, { WEB_CONCURRENCY: String(workers), ...env });
  const { port } = await dyno.waitFor(READY[workers], byMsg(READY[workers]));
  return { dyno, base: `http://127.0.0.1:${port}` };
}

/** Connections our processes hold, by pid, from the server's own view. */
async function connectionsByPid(url: string, pids: number[]): Promise<Map<number, number>> {
  const rows = await admin<{ name: string; n: number }>(
    `select application_name as name, count(*)::int as n from pg_stat_activity where datname = current_database() and application_name like '% pid %' group by 1`,
    url,
  );
  const byPid = new Map<number, number>();
  for (const { name, n } of rows) {
    const pid = Number(name.split(' pid ')[1]);
    if (pids.includes(pid)) byPid.set(pid, n);
  }
  return byPid;
}

describe('without a database', () => {
  it('an empty DATABASE_URL boots and serves, and the boot line says how to attach one', async (t) => {
    const { dyno, base } = await boot(t, { DATABASE_URL: '' });
    const started = dyno.logs.find((l) => /^starting/.test(l.msg));
    assert.equal(
      started?.database,
      'no database attached (DATABASE_URL is unset): heroku addons:create heroku-postgresql:essential-0 attaches one',
    );
    assert.equal((await request(`${base}/readyz`)).status, 200);
    dyno.signalGroup('SIGTERM');
    assert.equal((await dyno.exited).code, 0);
  });

  it(
    'the visit counter counts in memory and in the primary, and says no database is attached',
    needsDemo,
    async (t) => {
      const { dyno, base } = await boot(t, {});
      const visits = (await request(`${base}/api/visits`, { method: 'POST' })).json() as Record<
        string,
        { count: number | null; note?: string }
      >;
      assert.equal(visits.dyno?.count, 1);
      assert.equal(visits.database?.count, null);
      assert.match(String(visits.database?.note), /heroku addons:create heroku-postgresql:essential-0/);
      const slow = await request(`${base}/demo/db-sleep?ms=10`);
      assert.equal(slow.status, 503);
      dyno.signalGroup('SIGTERM');
      await dyno.exited;
    },
  );
});

describe('with PostgreSQL', needsPostgres, () => {
  it(
    'each worker holds at most its share of the budget, and the boot line shows the arithmetic',
    needsDemo,
    async (t) => {
      const url = await freshDatabase(t);
      const { dyno, base } = await boot(t, { DATABASE_URL: url, DATABASE_CONNECTION_BUDGET: '6' });
      const started = dyno.logs.find((l) => /^starting/.test(l.msg));
      assert.equal(started?.database, '2 workers x 3 = 6 connections (budget 6)');
      assert.equal(started?.databaseHost, '127.0.0.1');
      assert.equal(started?.tls, 'local server: no TLS');
      assert.doesNotMatch(
        JSON.stringify(dyno.logs) + dyno.stderr.join('\n'),
        /SECURITY WARNING|sslmode/i,
        'no pg warning',
      );
      const pids = dyno.logs.filter(byMsg('worker ready')).map((l) => l.workerPid as number);
      // Twenty slow queries at once: far more than the pools hold, so both fill up.
      let done = false;
      const slow = Promise.all(Array.from({ length: 20 }, () => request(`${base}/demo/db-sleep?ms=300`))).finally(
        () => {
          done = true;
        },
      );
      const most = new Map<number, number>();
      while (!done) {
        for (const [pid, n] of await connectionsByPid(url, pids)) most.set(pid, Math.max(most.get(pid) ?? 0, n));
      }
      for (const res of await slow) assert.equal(res.status, 200);
      assert.deepEqual([...most.values()], [3, 3], `the most each worker held: ${JSON.stringify([...most])}`);
      const metrics = (await request(`${base}/metrics`)).body;
      assert.match(metrics, /^db_pool_max_connections 6$/m, 'the pools summed over the workers');
      dyno.signalGroup('SIGTERM');
      assert.equal((await dyno.exited).code, 0);
    },
  );

  it('more workers than the budget: one connection each, and a warning naming both numbers', async (t) => {
    const url = await freshDatabase(t);
    const { dyno } = await boot(t, { DATABASE_URL: url, DATABASE_CONNECTION_BUDGET: '1' });
    const warning = await dyno.waitFor(
      'budget warning',
      (l) => l.level === 'warn' && /^database: 2 workers need/.test(l.msg),
    );
    assert.match(warning.msg, /2 workers need at least 2 connections, over the budget of 1/);
    dyno.signalGroup('SIGTERM');
    await dyno.exited;
  });

  it('counts N concurrent visits from every worker as exactly N, in one statement', needsDemo, async (t) => {
    const url = await freshDatabase(t);
    await migrate(t, url);
    const { dyno, base } = await boot(t, { DATABASE_URL: url });
    const n = 200;
    let next = 0;
    const workers = new Set<number>();
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < n) {
          next += 1;
          const res = await request(`${base}/api/visits`, { method: 'POST' });
          assert.equal(res.status, 200, res.body);
          workers.add((res.json() as { worker: { pid: number } }).worker.pid);
        }
      }),
    );
    const visits = (await request(`${base}/api/visits`)).json() as {
      dyno: { count: number };
      database: { count: number };
    };
    assert.equal(workers.size, 2, 'both workers counted some');
    assert.equal(visits.database.count, n);
    assert.equal(visits.dyno.count, n);
    assert.deepEqual(await admin('select count from visits', url), [{ count: String(n) }]);
    dyno.signalGroup('SIGTERM');
    await dyno.exited;
  });

  it('a slow query in flight finishes through a SIGTERM drain, then the pools close', needsDemo, async (t) => {
    const url = await freshDatabase(t);
    const { dyno, base } = await boot(t, { DATABASE_URL: url, LOG_LEVEL: 'debug' });
    const seen = dyno.logs.length;
    const reply = request(`${base}/demo/db-sleep?ms=800`);
    await dyno.waitFor('in flight', (l) => l.msg === 'request started' && dyno.logs.indexOf(l) >= seen);
    dyno.signalGroup('SIGTERM');
    const res = await reply;
    assert.equal(res.status, 200);
    assert.equal((await dyno.exited).code, 0);
    const closed = dyno.logs.filter((l) => l.msg === 'resource closed' && l.resource === 'database');
    assert.equal(closed.length, 2, 'each worker closed its pool');
    const pids = dyno.logs.filter(byMsg('worker ready')).map((l) => l.workerPid as number);
    assert.equal((await connectionsByPid(url, pids)).size, 0, 'no connection left behind');
  });

  it(
    'a database that goes away: 503 within seconds, /readyz names it, no worker exits; back, it serves again',
    needsDemo,
    async (t) => {
      const url = await freshDatabase(t);
      await migrate(t, url);
      const proxy = await databaseProxy(t, url);
      await proxy.listen();
      const { dyno, base } = await boot(t, { DATABASE_URL: proxy.url() });
      assert.equal((await request(`${base}/api/visits`, { method: 'POST' })).status, 200);

      await proxy.cut();
      const started = performance.now();
      const down = await request(`${base}/api/visits`, { method: 'POST' });
      assert.equal(down.status, 503);
      assert.equal((down.json() as { message: string }).message, 'the database is unavailable: try again shortly');
      assert.ok(performance.now() - started < 6_000, 'answered within the connection timeout');
      const ready = await request(`${base}/readyz`);
      assert.deepEqual([ready.status, ready.json()], [503, { status: 'unavailable', failing: ['database'] }]);
      assert.equal((await request(`${base}/healthz`)).status, 200);

      await proxy.listen();
      const back = await request(`${base}/api/visits`, { method: 'POST' });
      assert.equal(back.status, 200);
      assert.equal(
        (back.json() as { database: { count: number } }).database.count,
        2,
        'the write during the outage was refused, not half-done',
      );
      assert.equal((await request(`${base}/readyz`)).status, 200);
      assert.equal(dyno.logs.filter(byMsg('worker exited')).length, 0, 'no worker exited');
      dyno.signalGroup('SIGTERM');
      assert.equal((await dyno.exited).code, 0);
    },
  );

  it('down at boot: the dyno boots and serves, and the database is used once it answers', needsDemo, async (t) => {
    const url = await freshDatabase(t);
    await migrate(t, url);
    const proxy = await databaseProxy(t, url);
    await proxy.reserve();
    const { dyno, base } = await boot(t, { DATABASE_URL: proxy.url() });
    assert.ok(
      dyno.logs.some(byMsg('database unreachable: serving anyway; routes that need it answer 503 until it answers')),
    );
    assert.equal((await request(`${base}/api/visits`)).status, 503);
    await proxy.listen();
    assert.equal((await request(`${base}/api/visits`)).status, 200);
    dyno.signalGroup('SIGTERM');
    assert.equal((await dyno.exited).code, 0);
  });

  it('a role the server refuses: a clear line, no crash loop, and never the password', async (t) => {
    const url = new URL(await freshDatabase(t));
    url.username = 'no_such_role';
    url.password = 's3cret-Passw0rd';
    const { dyno, base } = await boot(t, { DATABASE_URL: url.toString() });
    const line = dyno.logs.find(
      byMsg('database unreachable: serving anyway; routes that need it answer 503 until it answers'),
    );
    assert.match(String(line?.cause), /no_such_role/);
    assert.equal((await request(`${base}/readyz`)).status, 503);
    assert.equal(dyno.logs.filter(byMsg('worker exited')).length, 0);
    const everything = JSON.stringify(dyno.logs) + dyno.stderr.join('\n');
    assert.doesNotMatch(everything, /s3cret-Passw0rd/);
    dyno.signalGroup('SIGTERM');
    assert.equal((await dyno.exited).code, 0);
  });

  it('when every connection is busy, a request waits a bounded time, then gets 503', needsDemo, async (t) => {
    const url = await freshDatabase(t);
    await migrate(t, url);
    const { dyno, base } = await boot(t, { DATABASE_URL: url, DATABASE_CONNECTION_BUDGET: '1' }, 1);
    const holding = request(`${base}/demo/db-sleep?ms=8000`);
    // The slow query has the only connection once the pool reports it busy.
    for (;;) {
      const metrics = (await request(`${base}/metrics`)).body;
      if (/^db_pool_idle_connections 0$/m.test(metrics) && /^db_pool_connections 1$/m.test(metrics)) break;
    }
    const started = performance.now();
    const waited = await request(`${base}/api/visits`);
    const ms = performance.now() - started;
    assert.equal(waited.status, 503);
    assert.ok(ms >= 4_000 && ms < 7_000, `waited ${Math.round(ms)} ms`);
    assert.equal((await holding).status, 200);
    dyno.signalGroup('SIGTERM');
    await dyno.exited;
  });
});

describe('TLS, as each host needs it', needsPostgres, () => {
  it('plain to a local server; with sslmode=require, TLS is asked of it (this one has none)', async (t) => {
    const url = await freshDatabase(t);
    const plain = await boot(t, { DATABASE_URL: url }, 1);
    assert.ok(plain.dyno.logs.some(byMsg('database connected')));
    plain.dyno.signalGroup('SIGTERM');
    await plain.dyno.exited;
    const tls = await boot(t, { DATABASE_URL: `${url}?sslmode=require` }, 1);
    const line = tls.dyno.logs.find(
      byMsg('database unreachable: serving anyway; routes that need it answer 503 until it answers'),
    );
    assert.match(String(line?.cause), /does not support SSL/);
    tls.dyno.signalGroup('SIGTERM');
    await tls.dyno.exited;
  });
});

it("Heroku's URL shape, even with sslmode=require, boots without a pg or pg-connection-string warning", async (t) => {
  // pg itself warns for this URL (try it: new pg.Client({ connectionString }).connect()).
  const herokuShaped = 'postgres://u1ab:p4ss@ec2-52-1-2-3.compute-1.amazonaws.com:5432/d9abc?sslmode=require';
  const { dyno } = await boot(t, { DATABASE_URL: herokuShaped }, 1);
  await dyno.waitFor(
    'unreachable',
    byMsg('database unreachable: serving anyway; routes that need it answer 503 until it answers'),
  );
  assert.deepEqual(dyno.stderr, [], 'nothing on stderr');
  assert.doesNotMatch(JSON.stringify(dyno.logs), /SECURITY WARNING|p4ss/);
  dyno.signalGroup('SIGTERM');
  assert.equal((await dyno.exited).code, 0);
});
