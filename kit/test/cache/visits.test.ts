// The visit counter's Redis row (src/demo/visits.ts) across two dynos sharing one Redis: each
// dyno's primary counts its own share, Redis counts every visit once. A Redis of the test's own,
// so no other test touches its key.
import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { needsDemo } from '../helpers/demo.ts';
import { request } from '../helpers/http.ts';
import { byMsg, startDyno } from '../helpers/process.ts';
import { needsRedisServer, privateRedis, redisAdmin } from '../helpers/redis.ts';

type Visits = Record<'worker' | 'dyno' | 'redis' | 'database', { count: number | null; note?: string }>;

async function dyno(t: TestContext, name: string, env: Record<string, string>) {
  const started = startDyno(t, { WEB_CONCURRENCY: '2', DYNO: name, ...env });
  // A worker listens once its resources are open, an optional one given 5 s: this Redis answers at once.
  const { port } = await started.waitFor('cluster ready', byMsg('cluster ready'));
  return { started, base: `http://127.0.0.1:${port}` };
}

const skip = needsDemo.skip ?? needsRedisServer.skip;

it('two dynos sharing one Redis: each primary counts its own visits, Redis counts every one once', {
  skip,
}, async (t) => {
  const redisUrl = await privateRedis(t, []);
  const dynos = [await dyno(t, 'web.1', { REDIS_URL: redisUrl }), await dyno(t, 'web.2', { REDIS_URL: redisUrl })];
  const n = 60;
  await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const res = await request(`${dynos[i % 2]!.base}/api/visits`, { method: 'POST' });
      assert.equal(res.status, 200, res.body);
    }),
  );
  const seen = await Promise.all(dynos.map(async ({ base }) => (await request(`${base}/api/visits`)).json() as Visits));
  assert.deepEqual(
    seen.map((v) => [v.dyno.count, v.redis.count]),
    [
      [n / 2, n],
      [n / 2, n],
    ],
  );
  // On the server's own count: one client per serving process, as each boot line said.
  const admin = await redisAdmin(t, redisUrl);
  const own = await admin.clientId();
  const clients = (await admin.clientList()).filter((c) => c.id !== own);
  assert.equal(clients.length, 4, '2 dynos x 2 workers x 1 client');
  // The fleet's reports may be there too, every 2 s: every key is under the prefix, the app's among them.
  const keys = await admin.keys('*');
  assert.ok(keys.includes('kit:app:demo:visits'), "the app's key, under REDIS_KEY_PREFIX");
  assert.deepEqual(
    keys.filter((key) => !key.startsWith('kit:')),
    [],
    'no key outside it',
  );

  for (const { started } of dynos) started.signalGroup('SIGTERM');
  for (const { started } of dynos) assert.equal((await started.exited).code, 0);
});

it('without REDIS_URL, the Redis row says the one command that attaches one', { skip: needsDemo.skip }, async (t) => {
  const started = startDyno(t, { WEB_CONCURRENCY: '1' });
  const { port } = await started.waitFor('listening', byMsg('listening'));
  const visits = (await request(`http://127.0.0.1:${port}/api/visits`, { method: 'POST' })).json() as Visits;
  assert.deepEqual(visits.redis, {
    count: null,
    note: 'no Redis attached (REDIS_URL is unset): heroku addons:create heroku-redis:mini attaches one',
  });
  started.signalGroup('SIGTERM');
  assert.equal((await started.exited).code, 0);
});
