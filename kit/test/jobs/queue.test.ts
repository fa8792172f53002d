// ctx.jobs (src/runtime/jobs/queue.ts) in a process that builds one app after another, as a test
// file of the app's does: each app enqueues through the Redis client it registered, never
// through an earlier app's, closed when that app's test ended.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import express from 'express';
import { errorHandler } from '../../../src/app/errors.ts';
import { type AppFactory, defineJobFor, registerRedis } from '../../../src/runtime/contract.ts';
import { silentLog, startApp } from '../helpers/app-server.ts';
import { request } from '../helpers/http.ts';
import { capturedLog } from '../helpers/log-capture.ts';
import { needsRedisServer, privateRedis, redisAdmin } from '../helpers/redis.ts';

const ping = defineJobFor<unknown>()<{ n: number }>({ name: 'ping', run() {} });

const app: AppFactory = (ctx) => {
  registerRedis(ctx, { name: 'cache', optional: true });
  const served = express();
  ctx.http.install(served);
  served.post('/enqueue', async (_req, res) => {
    const { id } = await ctx.jobs.enqueue(ping, { n: 1 });
    res.status(202).json({ id });
  });
  served.post('/enqueue/:id', async (req, res) => {
    const { id } = await ctx.jobs.enqueue(ping, { n: 1 }, { id: req.params.id });
    res.status(202).json({ id });
  });
  served.get('/counts', async (_req, res) => {
    res.json(await ctx.jobs.counts());
  });
  served.use(errorHandler({ production: false, log: silentLog }));
  return served;
};

for (const run of [1, 2, 3]) {
  it(`the process's app number ${run} enqueues through its own Redis`, needsRedisServer, async (t) => {
    const { server } = await startApp(t, { app, env: { REDIS_URL: await privateRedis(t, []) } });
    const base = `http://127.0.0.1:${server.port}`;
    const res = await request(`${base}/enqueue`, { method: 'POST' });
    assert.equal(res.status, 202, res.body);
    const counts = (await request(`${base}/counts`)).json() as { waiting: number };
    assert.equal(counts.waiting, 1, 'in the Redis this app was given');
  });
}

it(
  'an id is an idempotent enqueue; one BullMQ would refuse is named as the mistake it is, not a 503',
  needsRedisServer,
  async (t) => {
    const { server } = await startApp(t, { app, env: { REDIS_URL: await privateRedis(t, []) } });
    const base = `http://127.0.0.1:${server.port}`;
    for (let i = 0; i < 2; i++) {
      const res = await request(`${base}/enqueue/note-42`, { method: 'POST' });
      assert.deepEqual([res.status, res.json()], [202, { id: 'note-42' }]);
    }
    assert.equal(
      ((await request(`${base}/counts`)).json() as { waiting: number }).waiting,
      1,
      'the same id twice: one job',
    );
    for (const id of ['42', 'a:b']) {
      const res = await request(`${base}/enqueue/${encodeURIComponent(id)}`, { method: 'POST' });
      assert.equal(res.status, 500, res.body);
      assert.equal(
        (res.json() as { message: string }).message,
        `enqueue(ping): id is "${id}": it must be a string that is not a whole number and holds no ":", such as "note-42"`,
      );
    }
  },
);

it("a queue that fails answers 503 in words of its own: the driver's stay in the log", needsRedisServer, async (t) => {
  const url = await privateRedis(t, []);
  // BullMQ counts job ids in <prefix>:jobs:id: a list there makes its INCR fail, as a Redis
  // that refuses the command would.
  await (await redisAdmin(t, url)).lPush('kit:jobs:id', 'not a counter');
  const captured = capturedLog();
  const { server } = await startApp(t, { app, log: captured.log, env: { REDIS_URL: url } });
  const res = await request(`http://127.0.0.1:${server.port}/enqueue`, { method: 'POST' });
  assert.deepEqual(
    [res.status, res.json()],
    [503, { error: 'Service Unavailable', message: 'the job queue is unavailable: try again shortly' }],
  );
  const [line] = captured.find('request failed', { status: 503 });
  assert.match(String(line?.cause), /WRONGTYPE/, 'the cause is in the log');
});
