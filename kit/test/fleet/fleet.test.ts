// The fleet view (src/runtime/cluster/fleet.ts, src/runtime/fleet/report.ts) on real processes:
// dynos sharing one Redis (a private one, so no other test's dynos join) see each other and each
// other's events, one that is killed leaves within the bound, and reporting sends the same few
// commands however many requests the dyno serves.
import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { FLEET_INTERVAL_MS, FLEET_STALE_MS } from '../../../src/runtime/cluster/fleet.ts';
import type { ClusterStatus } from '../../../src/runtime/contract.ts';
import { request } from '../helpers/http.ts';
import { byMsg, startDyno } from '../helpers/process.ts';
import { needsRedisServer, privateRedis, redisAdmin } from '../helpers/redis.ts';
import { until } from '../helpers/until.ts';

const FIXTURE = 'kit/test/fixtures/redis-app.ts';

async function dyno(t: TestContext, env: Record<string, string>) {
  const started = startDyno(t, env, FIXTURE);
  const { port } = await started.waitFor('listening', byMsg('listening'));
  const base = `http://127.0.0.1:${port}`;
  return { started, status: async () => (await request(`${base}/cluster`)).json() as ClusterStatus, base };
}

const names = (s: ClusterStatus) => s.fleet.dynos.map((d) => d.instance);

it(
  'dynos sharing one Redis see each other and each other’s events; one killed leaves within the bound',
  needsRedisServer,
  async (t) => {
    const redisUrl = await privateRedis(t, []);
    const web1 = await dyno(t, { WEB_CONCURRENCY: '2', DYNO: 'web.1', REDIS_URL: redisUrl });
    const web2 = await dyno(t, { WEB_CONCURRENCY: '1', DYNO: 'web.2', REDIS_URL: redisUrl });

    const { value: seen } = await until(
      'both dynos in web.1’s view',
      web1.status,
      (s) => names(s).length === 2,
      3 * FLEET_INTERVAL_MS,
    );
    assert.equal(seen.fleet.shared, true);
    assert.equal(seen.fleet.note, null);
    const [one, two] = seen.fleet.dynos;
    assert.deepEqual(
      [one?.instance, one?.mode, one?.workerCount, one?.workers.map((w) => w.state)],
      ['web.1', 'cluster', 2, ['ready', 'ready']],
    );
    assert.deepEqual([two?.instance, two?.mode, two?.workerCount], ['web.2', 'single', 1]);
    assert.equal(two?.platform, 'Heroku Cedar');
    assert.ok((two?.rssBytes ?? 0) > 0);
    // web.2's own events reach web.1's timeline, marked as web.2's; web.1's own stay local.
    assert.ok(seen.fleet.events.some((e) => e.instance === 'web.2' && e.kind === 'ready'));
    assert.ok(seen.fleet.events.every((e) => e.instance !== 'web.1'));
    const { value: fromTwo } = await until(
      'web.1 in web.2’s view',
      web2.status,
      (s) => names(s).length === 2,
      3 * FLEET_INTERVAL_MS,
    );
    assert.ok(fromTwo.fleet.events.some((e) => e.instance === 'web.1' && e.kind === 'cluster-ready'));

    web2.started.signalGroup('SIGKILL');
    await web2.started.exited;
    // Its report expires FLEET_STALE_MS after it was written, and web.1 reads again within an interval.
    const bound = FLEET_STALE_MS + FLEET_INTERVAL_MS + 1_000;
    const { ms } = await until(
      'web.2 gone from web.1’s view',
      web1.status,
      (s) => !names(s).includes('web.2'),
      bound + 2_000,
    );
    assert.ok(ms <= bound, `left after ${Math.round(ms)} ms, bound ${bound}`);

    web1.started.signalGroup('SIGTERM');
    assert.equal((await web1.started.exited).code, 0);
    // A dyno that stops cleanly takes its report out on the way.
    const admin = await redisAdmin(t, redisUrl);
    assert.deepEqual(await admin.zRange('kit:fleet:dynos', 0, -1), []);
  },
);

it('reporting sends one write a dyno per interval, however many requests it serves', needsRedisServer, async (t) => {
  const redisUrl = await privateRedis(t, []);
  const web1 = await dyno(t, { WEB_CONCURRENCY: '2', DYNO: 'web.1', REDIS_URL: redisUrl });
  await until('the first report', web1.status, (s) => s.fleet.shared, 3 * FLEET_INTERVAL_MS);
  const admin = await redisAdmin(t, redisUrl);
  const sets = async () => Number((await admin.info('commandstats')).match(/^cmdstat_set:calls=(\d+)/m)?.[1] ?? 0);

  const before = await sets();
  const started = performance.now();
  const startedAt = Date.now();
  const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 20 });
  t.after(() => agent.destroy());
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let i = 0; i < 150; i++) assert.equal((await request(`${web1.base}/healthz`, { agent })).status, 200);
    }),
  );
  // Until a report made after the count began, so the window holds one however quick the load was.
  await until('another report', web1.status, (s) => (s.fleet.dynos[0]?.at ?? 0) > startedAt, 3 * FLEET_INTERVAL_MS);
  const elapsed = performance.now() - started;
  const writes = (await sets()) - before;
  assert.ok(writes >= 1, 'it reported while serving');
  assert.ok(
    writes <= Math.ceil(elapsed / FLEET_INTERVAL_MS) + 1,
    `${writes} reports in ${Math.round(elapsed)} ms for 3,000 requests`,
  );

  web1.started.signalGroup('SIGTERM');
  assert.equal((await web1.started.exited).code, 0);
});
