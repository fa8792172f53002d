// A rate limit (src/runtime/limits/) on real processes: its count holds across every worker of
// a dyno (held by the primary) and, with Redis, across dynos; with Redis cut, it lets requests
// through, says so once, and counts again once Redis is back.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it, type TestContext } from 'node:test';
import { testRedis } from '../../../src/runtime/redis/test-redis.ts';
import { request } from '../helpers/http.ts';
import { byMsg, type Dyno, startDyno } from '../helpers/process.ts';
import { needsRedis, REDIS_URL, redisProxy } from '../helpers/redis.ts';
import { roundRobinRouter } from '../helpers/router.ts';

const FIXTURE = 'kit/test/fixtures/redis-app.ts';
const LIMIT = 5;

interface Answer {
  readonly status: number;
  readonly worker?: number | null;
  readonly instance?: string | null;
}

/**
 * The kit's keys of this test (the counts, the fleet's reports) under a prefix of its own on the
 * machine's Redis, deleted after it: dynos of one test share it.
 */
const ownKeys = (t: TestContext) => ({ REDIS_KEY_PREFIX: testRedis(t).REDIS_KEY_PREFIX });

async function dyno(t: TestContext, env: Record<string, string>) {
  const started = startDyno(t, { WEB_CONCURRENCY: '2', LIMIT: String(LIMIT), ...env }, FIXTURE);
  const { port } = await started.waitFor('cluster ready', byMsg('cluster ready'));
  return { started, base: `http://127.0.0.1:${port}` };
}

/** One request at a time, each on a connection of its own: the cluster's round-robin alternates workers. */
async function oneByOne(url: string, n: number): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < n; i++) {
    const res = await request(url);
    answers.push({ status: res.status, ...(res.status === 200 ? (res.json() as object) : {}) });
  }
  return answers;
}

const statuses = (answers: readonly Answer[]) => answers.map((a) => a.status);

async function stop(...dynos: Dyno[]) {
  for (const d of dynos) d.signalGroup('SIGTERM');
  for (const d of dynos) assert.equal((await d.exited).code, 0);
}

it("without Redis, the dyno's workers share one count, held by the primary", async (t) => {
  const { started, base } = await dyno(t, {});
  const boot = await started.waitFor('boot line', (l) => typeof l.rateLimits === 'string');
  assert.equal(boot.rateLimits, 'this dyno only: counted by its primary for its 2 workers (no REDIS_URL)');

  const answers = await oneByOne(`${base}/limited?key=${randomUUID()}`, LIMIT + 3);
  assert.deepEqual(statuses(answers), [...Array(LIMIT).fill(200), 429, 429, 429]);
  const workers = new Set(answers.filter((a) => a.status === 200).map((a) => a.worker));
  assert.equal(workers.size, 2, 'both workers let requests through, and together no more than the limit');
  // Another client's count is its own.
  assert.equal((await request(`${base}/limited?key=${randomUUID()}`)).status, 200);
  await stop(started);
});

it('two dynos sharing Redis behind one router: the limit holds across both', needsRedis, async (t) => {
  const keys = ownKeys(t);
  const dynos = [
    await dyno(t, { DYNO: 'web.1', REDIS_URL, ...keys }),
    await dyno(t, { DYNO: 'web.2', REDIS_URL, ...keys }),
  ];
  const boot = await dynos[0]!.started.waitFor('boot line', (l) => typeof l.rateLimits === 'string');
  assert.equal(boot.rateLimits, 'every dyno: counted in Redis');
  const router = await roundRobinRouter(
    t,
    dynos.map((d) => d.base),
  );

  // All at once: the count is atomic in Redis, whichever worker of whichever dyno answers.
  const url = `${router}/limited?key=${randomUUID()}`;
  const answers = await Promise.all(
    Array.from({ length: LIMIT * 3 }, async () => {
      const res = await request(url);
      return { status: res.status, ...(res.status === 200 ? (res.json() as object) : {}) } as Answer;
    }),
  );
  const accepted = answers.filter((a) => a.status === 200);
  assert.equal(accepted.length, LIMIT, `exactly ${LIMIT} accepted: ${JSON.stringify(answers)}`);
  assert.equal(answers.filter((a) => a.status === 429).length, LIMIT * 2);
  const refused = await request(url);
  assert.equal(refused.status, 429);
  assert.match(String(refused.headers['retry-after']), /^\d+$/);
  assert.match(String(refused.headers.ratelimit), /"fixture"; r=0; t=\d+/);
  assert.match((refused.json() as { message: string }).message, /rate limit fixture: 5 requests per 60 s/);
  await stop(...dynos.map((d) => d.started));
});

it(
  'Redis cut while serving: requests pass, one line says so, and the count resumes once it is back',
  needsRedis,
  async (t) => {
    const proxy = await redisProxy(t);
    await proxy.listen();
    const started = startDyno(
      t,
      { WEB_CONCURRENCY: '1', LIMIT: String(LIMIT), REDIS_URL: proxy.url(), ...ownKeys(t) },
      FIXTURE,
    );
    const { port } = await started.waitFor('listening', byMsg('listening'));
    const base = `http://127.0.0.1:${port}`;

    const before = await oneByOne(`${base}/limited?key=${randomUUID()}`, LIMIT + 1);
    assert.deepEqual(statuses(before), [...Array(LIMIT).fill(200), 429]);

    await proxy.cut();
    await started.waitFor('the client saw it', byMsg('cache connection lost: its commands fail until it reconnects'));
    const during = await oneByOne(`${base}/limited?key=${randomUUID()}`, LIMIT + 2);
    assert.deepEqual(statuses(during), Array(LIMIT + 2).fill(200), 'fails open: nothing refused, nothing hangs');
    const outage = 'rate limit fixture: cannot count in Redis, so its requests pass unlimited until it can';
    assert.equal(started.logs.filter(byMsg(outage)).length, 1, 'one line for the outage, not one per request');

    await proxy.listen();
    await started.waitFor('reconnected', byMsg('cache reconnected'));
    const after = await oneByOne(`${base}/limited?key=${randomUUID()}`, LIMIT + 1);
    assert.deepEqual(statuses(after), [...Array(LIMIT).fill(200), 429], 'counting again, without a restart');
    assert.equal(started.logs.filter(byMsg('rate limit fixture: counting again in Redis')).length, 1);
    await stop(started);
  },
);

it('Redis out of reach at boot: requests pass until it answers, then the limit counts', needsRedis, async (t) => {
  const proxy = await redisProxy(t);
  await proxy.listen();
  await proxy.cut();
  const started = startDyno(
    t,
    { WEB_CONCURRENCY: '1', LIMIT: String(LIMIT), REDIS_URL: proxy.url(), ...ownKeys(t) },
    FIXTURE,
  );
  const { port } = await started.waitFor('listening', byMsg('listening'));
  const base = `http://127.0.0.1:${port}`;
  const during = await oneByOne(`${base}/limited?key=${randomUUID()}`, LIMIT + 1);
  assert.deepEqual(statuses(during), Array(LIMIT + 1).fill(200));

  await proxy.listen();
  // Not 'cache connected': the client says so before the resource is open (its room check comes
  // after), and a request in between still finds the cache unavailable.
  await started.waitFor(
    'the cache opened in the background',
    byMsg('optional resource open: no longer serving without it', { resource: 'cache' }),
  );
  const after = await oneByOne(`${base}/limited?key=${randomUUID()}`, LIMIT + 1);
  assert.deepEqual(statuses(after), [...Array(LIMIT).fill(200), 429]);
  await stop(started);
});
