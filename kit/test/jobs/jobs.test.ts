// The worker process type (worker.ts, src/runtime/jobs/) on real processes, a private Redis and a
// database of the test's own: jobs enqueued over HTTP run once each, a SIGTERM puts the running
// ones back, a SIGKILL leaves them to be retried, a failing job is retried then kept as failed, a
// job past its time fails as its handler's signal aborts, Redis may go and come back, and the
// connections are what the boot lines say.
import assert from 'node:assert/strict';
import { it, type TestContext } from 'node:test';
import { request } from '../helpers/http.ts';
import { admin, freshDatabase, needsPostgres } from '../helpers/postgres.ts';
import { byMsg, type Dyno, startDyno } from '../helpers/process.ts';
import { needsRedisServer, privateRedis, redisAdmin } from '../helpers/redis.ts';
import { tcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/until.ts';

const FIXTURE = 'kit/test/fixtures/jobs-app.ts';
const QUEUE_AWAY = 'the job queue does not answer yet: the runner takes jobs once it does';
const STALLED = 'job stalled: its runner stopped without finishing it; it runs again from the start';
const QUEUE_LOST = 'the job queue’s connection is lost: no jobs until it reconnects';
const QUEUE_GONE =
  'the job queue does not answer: stopping without it; jobs still running are retried once their locks expire';
const skip = needsRedisServer.skip || needsPostgres.skip;

interface Row {
  job_id: string;
  n: number;
  attempt: number;
  pid: number;
}
interface Queue {
  counts: Record<'waiting' | 'active' | 'delayed' | 'completed' | 'failed', number>;
  recent: {
    id: string;
    name: string;
    state: string;
    attempts: number;
    ranBy: string | null;
    failedReason: string | null;
  }[];
}

async function setup(t: TestContext) {
  const redisUrl = await privateRedis(t, []);
  const databaseUrl = await freshDatabase(t);
  await admin('create table runs (job_id text, n int, attempt int, pid int)', databaseUrl);
  const web = startDyno(
    t,
    { ENTRY: 'web', WEB_CONCURRENCY: '1', DYNO: 'web.1', REDIS_URL: redisUrl, DATABASE_URL: databaseUrl },
    FIXTURE,
  );
  const { port } = await web.waitFor('listening', byMsg('listening'));
  const base = `http://127.0.0.1:${port}`;
  return {
    redisUrl,
    databaseUrl,
    web,
    base,
    enqueue: async (body: object) => {
      const res = await request(`${base}/enqueue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 202, res.body);
      return (res.json() as { ids: string[] }).ids;
    },
    queue: async () => (await request(`${base}/jobs`)).json() as Queue,
    runs: () => admin<Row>('select job_id, n, attempt, pid from runs order by n', databaseUrl),
    worker: async (env: Record<string, string> = {}) => {
      const started = startDyno(
        t,
        {
          ENTRY: 'worker',
          JOB_PROCESSES: '2',
          DYNO: 'worker.1',
          REDIS_URL: redisUrl,
          DATABASE_URL: databaseUrl,
          ...env,
        },
        FIXTURE,
      );
      await started.waitFor(
        'every runner takes jobs',
        byMsg(env.JOB_PROCESSES === '1' ? 'taking jobs' : 'cluster ready'),
      );
      return started;
    },
  };
}

async function stop(...dynos: Dyno[]) {
  for (const d of dynos) d.signalGroup('SIGTERM');
  for (const d of dynos) assert.equal((await d.exited).code, 0);
}

/** A worker whose Redis is reached through a proxy the test cuts and restores; closed at boot unless `open`. */
async function workerBehindProxy(t: TestContext, s: Awaited<ReturnType<typeof setup>>, { open }: { open: boolean }) {
  const proxy = await tcpProxy(t, s.redisUrl, 6379);
  await proxy.listen();
  if (!open) await proxy.cut();
  const worker = await s.worker({ REDIS_URL: proxy.url() });
  return { proxy, worker };
}

it('jobs enqueued over HTTP each run once, spread over the runners', { skip }, async (t) => {
  const s = await setup(t);
  const worker = await s.worker();
  const ready = await worker.waitFor('cluster ready', byMsg('cluster ready'));
  for (const proc of ['runner 1', 'runner 2']) {
    const taking = await worker.waitFor(`${proc} taking jobs`, (l) => l.msg === 'taking jobs' && l.proc === proc);
    assert.ok(
      Date.parse(String(taking.time)) <= Date.parse(String(ready.time)),
      `the supervisor counts ${proc} up once it takes jobs, not before`,
    );
  }
  const ids = await s.enqueue({ n: 20, ms: 50 });
  assert.equal(new Set(ids).size, 20);
  const { value: rows } = await until('20 runs recorded', s.runs, (r) => r.length >= 20, 20_000);
  await until('20 completed', s.queue, (q) => q.counts.completed === 20, 5_000);
  assert.deepEqual(
    rows.map((r) => r.n),
    Array.from({ length: 20 }, (_, i) => i),
    'each job once, none twice',
  );
  assert.equal(new Set(rows.map((r) => r.pid)).size, 2, 'both runners took jobs');
  const { recent } = await s.queue();
  assert.match(recent[0]?.ranBy ?? '', /^worker\.1 runner [12] \(pid \d+\)$/);
  await stop(worker, s.web);
});

it('two apps on one Redis, each with its own REDIS_KEY_PREFIX, never run each other’s jobs', { skip }, async (t) => {
  const s = await setup(t);
  const otherApp = await s.worker({ JOB_PROCESSES: '1', REDIS_KEY_PREFIX: 'other-app' });
  await s.enqueue({ n: 3, ms: 10 });
  const worker = await s.worker({ JOB_PROCESSES: '1' });
  const { value: rows } = await until('3 runs recorded', s.runs, (r) => r.length >= 3, 20_000);
  assert.deepEqual(
    rows.map((r) => r.pid),
    [worker.child.pid, worker.child.pid, worker.child.pid],
    'all by the runner of the app that enqueued them, though the other was waiting first',
  );
  await stop(otherApp, worker, s.web);
});

it('SIGTERM with jobs running: each goes back to the queue, none is lost or run twice', { skip }, async (t) => {
  const s = await setup(t);
  const first = await s.worker({ SHUTDOWN_TIMEOUT: '3' });
  await s.enqueue({ n: 6, ms: 1_500 });
  await until('two jobs running', s.queue, (q) => q.counts.active === 2, 5_000);
  first.signalGroup('SIGTERM');
  assert.equal((await first.exited).code, 0);
  const back = first.logs.filter(byMsg('job back in the queue: the runner stopped before it finished'));
  assert.equal(back.length, 2, 'the two running jobs, each logged with its id');
  assert.ok(back.every((line) => typeof line.jobId === 'string'));
  const after = await s.queue();
  assert.deepEqual([after.counts.waiting, after.counts.active, after.counts.failed], [6, 0, 0]);

  const second = await s.worker();
  const { value: rows } = await until('6 runs recorded', s.runs, (r) => r.length >= 6, 20_000);
  assert.deepEqual(
    rows.map((r) => [r.n, r.attempt]),
    Array.from({ length: 6 }, (_, i) => [i, 1]),
    'each once, and the returned ones not counted as a failed attempt',
  );
  await stop(second, s.web);
});

it('SIGKILL mid-job: the job is retried once its lock expires', { skip }, async (t) => {
  const s = await setup(t);
  const first = await s.worker({ JOB_PROCESSES: '1', JOB_LOCK_SECONDS: '5' });
  await s.enqueue({ n: 1, ms: 2_000 });
  await until('the job running', s.queue, (q) => q.counts.active === 1, 5_000);
  first.signalGroup('SIGKILL');
  await first.exited;
  const second = await s.worker({ JOB_PROCESSES: '1', JOB_LOCK_SECONDS: '5' });
  const { value: rows } = await until('the job run again', s.runs, (r) => r.length >= 1, 20_000);
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.pid, second.child.pid, 'by the runner that came after');
  assert.equal(second.logs.filter(byMsg(STALLED)).length, 1, 'which says so');
  await stop(second, s.web);
});

it('a job that throws is retried as declared, then kept as failed with its error', { skip }, async (t) => {
  const s = await setup(t);
  const worker = await s.worker({ JOB_PROCESSES: '1' });
  const [id] = await s.enqueue({ kind: 'fail' });
  const { value } = await until('failed for good', s.queue, (q) => q.counts.failed === 1, 20_000);
  const failed = value.recent.find((j) => j.id === id);
  assert.deepEqual([failed?.state, failed?.attempts, failed?.failedReason], ['failed', 3, 'boom']);
  assert.equal(worker.logs.filter(byMsg('job failed: it will be retried')).length, 2);
  assert.equal(worker.logs.filter(byMsg('job failed for good: kept in the failed list')).length, 1);
  await stop(worker, s.web);
});

it('a job that throws a string keeps it as its reason; one no runner knows is retried, then failed', {
  skip,
}, async (t) => {
  const s = await setup(t);
  // Waiting before its runner boots: it runs once the runner has said it takes jobs, not before.
  const [plainId] = await s.enqueue({ kind: 'plain' });
  const worker = await s.worker({ JOB_PROCESSES: '1' });
  const [unlistedId] = await s.enqueue({ kind: 'unlisted' });
  const { value } = await until('both failed for good', s.queue, (q) => q.counts.failed === 2, 20_000);
  await worker.waitFor('the plain job failed', byMsg('job failed for good: kept in the failed list'));
  const msgs = worker.logs.map((line) => line.msg);
  assert.ok(
    msgs.indexOf('taking jobs') < msgs.indexOf('job failed for good: kept in the failed list'),
    `the job that was waiting ran after its runner said it takes jobs:\n${msgs.join('\n')}`,
  );
  const failed = (id: string | undefined) => value.recent.find((j) => j.id === id);
  assert.deepEqual([failed(plainId)?.attempts, failed(plainId)?.failedReason], [1, 'plain words']);
  assert.deepEqual(
    [failed(unlistedId)?.attempts, failed(unlistedId)?.failedReason],
    [2, 'no job is named "unlisted" in this runner\'s src/app/jobs/index.ts'],
    'retried as declared: while a deploy rolls, a runner of the next release may know it',
  );
  await stop(worker, s.web);
});

it('a job past its timeoutMs fails with the time it had, and its handler sees its signal abort', {
  skip,
}, async (t) => {
  const s = await setup(t);
  const worker = await s.worker({ JOB_PROCESSES: '1' });
  const [id] = await s.enqueue({ kind: 'stuck' });
  const { value } = await until('failed for good', s.queue, (q) => q.counts.failed === 1, 20_000);
  const failed = value.recent.find((j) => j.id === id);
  const reason = 'timed out after 300 ms (its timeoutMs)';
  assert.deepEqual([failed?.state, failed?.attempts, failed?.failedReason], ['failed', 1, reason]);
  const line = await worker.waitFor('the handler saw the abort', byMsg('stuck job: its signal aborted'));
  assert.deepEqual([line.jobId, line.job, line.reason], [id, 'stuck', reason]);
  await stop(worker, s.web);
});

it('Redis cut while jobs run: the runners stay up and take jobs again once it is back', { skip }, async (t) => {
  const s = await setup(t);
  const { proxy, worker } = await workerBehindProxy(t, s, { open: true });
  await s.enqueue({ n: 2, ms: 50 });
  await until('2 runs', s.runs, (r) => r.length >= 2, 10_000);
  await proxy.cut();
  await worker.waitFor('the queue’s connection lost', byMsg(QUEUE_LOST));
  await s.enqueue({ n: 2, ms: 50 });
  await proxy.listen();
  await until('4 runs', s.runs, (r) => r.length >= 4, 20_000);
  assert.equal(worker.logs.filter(byMsg('worker exited')).length, 0, 'no runner died');
  await stop(worker, s.web);
});

it('a worker that boots while Redis is away stays up, and takes jobs once Redis answers', { skip }, async (t) => {
  const s = await setup(t);
  const { proxy, worker } = await workerBehindProxy(t, s, { open: false });
  await worker.waitFor('the runner says what it waits for', byMsg(QUEUE_AWAY));
  const ready = await worker.waitFor('the supervisor counts it up', byMsg('worker ready'));
  assert.equal(ready.waiting, 'for the job queue', 'and says it does not take jobs yet');
  await s.enqueue({ n: 2, ms: 20 });
  await proxy.listen();
  await until('2 runs', s.runs, (r) => r.length >= 2, 20_000);
  assert.equal(worker.logs.filter(byMsg('worker exited')).length, 0, 'no runner killed or replaced');
  await stop(worker, s.web);
});

it('SIGTERM while the queue’s Redis is away: the runners stop without waiting for it', { skip }, async (t) => {
  const s = await setup(t);
  const { proxy, worker } = await workerBehindProxy(t, s, { open: true });
  await proxy.cut();
  await worker.waitFor('the connection lost', byMsg(QUEUE_LOST));
  await stop(worker, s.web);
  assert.equal(worker.logs.filter(byMsg('shutdown deadline passed: killing the workers still draining')).length, 0);
  assert.ok(worker.logs.some(byMsg(QUEUE_GONE)), 'each runner says why it did not wait');
});

it('connections on the server: as each boot line counts them', { skip }, async (t) => {
  const s = await setup(t);
  const worker = await s.worker();
  const boot = await worker.waitFor('boot line', byMsg('starting 2 job runners'));
  assert.equal(boot.redis, '2 runners x (1 client + 2 for the queue) = 6 per dyno');
  await s.enqueue({ n: 4, ms: 20 });
  await until('4 runs', s.runs, (r) => r.length >= 4, 10_000);
  const client = await redisAdmin(t, s.redisUrl);
  const own = await client.clientId();
  const clients = (await client.clientList()).filter((c) => c.id !== own);
  assert.equal(
    clients.length,
    6 + 1,
    'the worker dyno’s 6, and the web process’s 1 (its queue shares the app’s client)',
  );
  await stop(worker, s.web);
});

it('a scheduled job is enqueued once per time, however many worker dynos keep its schedule', { skip }, async (t) => {
  const s = await setup(t);
  const one = await s.worker({ TICK: '1', DYNO: 'worker.1' });
  const two = await s.worker({ TICK: '1', DYNO: 'worker.2' });
  const { value: rows } = await until('3 ticks', s.runs, (r) => r.length >= 3, 10_000);
  await stop(one, two);
  // A scheduled run's id carries its time (repeat:tick:<ms>): one schedule, so each time once,
  // a second apart. Two dynos each keeping their own would interleave.
  const ids = (await s.runs()).map((r) => r.job_id);
  const times = ids.map((id) => Number(id.split(':').at(-1))).sort((a, b) => a - b);
  assert.ok(
    times.every((time, i) => i === 0 || time - (times[i - 1] as number) >= 1_000),
    `each time once, a second apart: ${ids.join(', ')}`,
  );
  assert.ok(rows.length >= 3);
  assert.ok(one.logs.some(byMsg('schedules set')) && two.logs.some(byMsg('schedules set')), 'both dynos set it');
  await stop(s.web);
});

it('a schedule taken away from a job is removed from the queue when a runner boots', { skip }, async (t) => {
  const s = await setup(t);
  const before = await s.worker({ TICK: '1', JOB_PROCESSES: '1' });
  await until('a tick', s.runs, (r) => r.length >= 1, 10_000);
  await stop(before);
  const client = await redisAdmin(t, s.redisUrl);
  assert.equal(await client.zCard('kit:jobs:repeat'), 1, 'the tick’s scheduler, kept in the queue');
  const after = await s.worker({ JOB_PROCESSES: '1' });
  assert.deepEqual((await after.waitFor('removed', byMsg('schedules removed: their jobs have none now'))).jobs, [
    'tick',
  ]);
  assert.equal(await client.zCard('kit:jobs:repeat'), 0, 'nothing left to enqueue it');
  await stop(after, s.web);
});

it('a cron the queue refuses fails the runner, naming the job and its pattern', { skip }, async (t) => {
  const s = await setup(t);
  const worker = startDyno(
    t,
    { ENTRY: 'worker', JOB_PROCESSES: '1', DYNO: 'worker.1', REDIS_URL: s.redisUrl, BAD_CRON: '1' },
    FIXTURE,
  );
  const refused = await worker.waitFor('refused', byMsg('a schedule could not be set'));
  assert.match(String(refused.cause), /^midnight's cron "99 0 \* \* \*" was refused by the queue: /);
  assert.equal((await worker.exited).code, 1);
  await stop(s.web);
});

it('/metrics shows the queue by state', { skip }, async (t) => {
  const s = await setup(t);
  await s.enqueue({ n: 3, ms: 0 });
  const res = await request(`${s.base}/metrics`);
  assert.match(res.body, /^jobs_queue\{state="waiting"(,instance_name="web\.1")?\} 3$/m);
  await stop(s.web);
});
