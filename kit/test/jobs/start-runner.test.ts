// startRunner (src/runtime/testing.ts), as test/helpers.ts hands it to the app's tests: a job's
// handler run in the test's process with the app's own resources, as a runner runs it.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { it } from 'node:test';
import pg from 'pg';
import { defineJob } from '../../../src/app/jobs/job.ts';
import { registerResources } from '../../../src/app/resources.ts';
import { variables } from '../../../src/app/variables.ts';
import type { Env } from '../../../src/runtime/config.ts';
import { withDatabase } from '../../../src/runtime/contract.ts';
import { TEST_SERVER_URL, testDatabase, whenPostgres } from '../../../src/runtime/database/test-database.ts';
import { startRunner } from '../../../src/runtime/testing.ts';
import { capturedLog } from '../helpers/log-capture.ts';
import { needsRedis, needsRedisServer, privateRedis, REDIS_URL } from '../helpers/redis.ts';

const start = (t: TestContext, env: Env = {}) => startRunner(t, { resources: registerResources, variables, env });

// Safe to repeat, as docs/jobs.md asks of a handler: the row is written once however often it runs.
const welcome = defineJob<{ userId: number; at: Date }>({
  name: 'welcome',
  async run({ userId, at }, { resources, id, attempt }) {
    if (!resources.database) throw new Error('needs DATABASE_URL');
    return withDatabase(resources.database, async (pool) => {
      await pool.query('create table if not exists welcomed (user_id int primary key, at text, job text, attempt int)');
      const { rowCount } = await pool.query('insert into welcomed values ($1, $2, $3, $4) on conflict do nothing', [
        userId,
        at,
        id,
        attempt,
      ]);
      return { inserted: rowCount, atIs: typeof at };
    });
  },
});

it(
  "runs a handler with the app's database, its payload through JSON as the queue stores it",
  whenPostgres,
  async (t) => {
    const runner = await start(t, { DATABASE_URL: await testDatabase(t) });
    const at = new Date('2026-01-02T03:04:05Z');
    assert.deepEqual(await runner.run(welcome, { userId: 7, at }), { inserted: 1, atIs: 'string' });
    assert.deepEqual(await runner.run(welcome, { userId: 7, at }, { id: 'welcome-7', attempt: 2 }), {
      inserted: 0,
      atIs: 'string',
    });
    const database = runner.resources.database;
    assert.ok(database);
    const { rows } = await withDatabase(database, (pool) => pool.query('select * from welcomed'));
    assert.deepEqual(rows, [{ user_id: 7, at: '2026-01-02T03:04:05.000Z', job: 'test-1', attempt: 1 }]);
  },
);

it('past its timeoutMs a run rejects saying so, and its signal aborts', async (t) => {
  let aborted: unknown;
  const stuck = defineJob<null>({
    name: 'stuck',
    timeoutMs: 50,
    run: (_payload, { signal }) =>
      new Promise(() => {
        signal.addEventListener('abort', () => {
          aborted = signal.reason;
        });
      }),
  });
  const runner = await start(t);
  await assert.rejects(runner.run(stuck, null), { message: 'timed out after 50 ms (its timeoutMs)' });
  assert.equal((aborted as Error | undefined)?.message, 'timed out after 50 ms (its timeoutMs)');
});

it('a handler that throws rejects with its error, and a bad attempt is refused naming it', async (t) => {
  const failing = defineJob<{ why: string }>({
    name: 'failing',
    run({ why }) {
      throw new Error(why);
    },
  });
  const runner = await start(t);
  await assert.rejects(runner.run(failing, { why: 'the mail server said no' }), { message: 'the mail server said no' });
  await assert.rejects(runner.run(failing, { why: 'x' }, { attempt: 0 }), {
    name: 'TypeError',
    message: 'run: attempt is 0: it must be a whole number from 1',
  });
});

it('a bad variable rejects with the line a boot stops on', async (t) => {
  await assert.rejects(start(t, { LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
});

it("the app's database connections close when the test ends", whenPostgres, async (t) => {
  const url = await testDatabase(t);
  const database = new URL(url).pathname.slice(1);
  await t.test('a test that runs a job', async (inner) => {
    const runner = await start(inner, { DATABASE_URL: url });
    await runner.run(welcome, { userId: 1, at: new Date() });
  });
  const admin = new pg.Client({ connectionString: TEST_SERVER_URL });
  await admin.connect();
  t.after(() => admin.end());
  const { rows } = await admin.query('select count(*)::int as n from pg_stat_activity where datname = $1', [database]);
  assert.deepEqual(rows, [{ n: 0 }]);
});

it('a handler enqueues through the Redis the test names', needsRedisServer, async (t) => {
  const next = defineJob<{ n: number }>({ name: 'next', run() {} });
  const first = defineJob<{ n: number }>({
    name: 'first',
    async run({ n }, { ctx }) {
      return (await ctx.jobs.enqueue(next, { n: n + 1 }, { id: `next-${n + 1}` })).id;
    },
  });
  const runner = await start(t, { REDIS_URL: await privateRedis(t, []) });
  assert.equal(await runner.run(first, { n: 1 }), 'next-2');
  const latest = await runner.run(
    defineJob<null>({ name: 'look', run: (_payload, { ctx }) => ctx.jobs.counts() }),
    null,
  );
  assert.equal((latest as { waiting: number }).waiting, 1);
});

it(
  'a runner’s lines say it runs jobs, without an optional resource and in its count of clients',
  needsRedis,
  async (t) => {
    const away = capturedLog();
    await startRunner(t, {
      resources: registerResources,
      variables,
      env: { REDIS_URL: 'redis://127.0.0.1:1' },
      log: away.log,
    });
    assert.equal(
      away.find('optional resource did not open: running jobs without it, retrying in the background').length,
      1,
    );
    const there = capturedLog();
    await startRunner(t, { resources: registerResources, variables, env: { REDIS_URL }, log: there.log });
    assert.deepEqual(
      there.find('cache connected').map((line) => line.clients),
      ['1 runner x (1 client + 2 for the queue) = 3 per dyno'],
    );
  },
);
