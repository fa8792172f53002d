// testRedis (src/runtime/redis/test-redis.ts), as test/helpers.ts hands it to the app's tests: the
// kit's keys of each test under a prefix of its own, on the shared server, gone after.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { defineJob } from '../../../src/app/jobs/job.ts';
import { registerResources } from '../../../src/app/resources.ts';
import { variables } from '../../../src/app/variables.ts';
import { testRedis } from '../../../src/runtime/redis/test-redis.ts';
import { startRunner } from '../../../src/runtime/testing.ts';
import { needsRedis, REDIS_URL, redisAdmin } from '../helpers/redis.ts';

const ping = defineJob<null>({ name: 'ping', run() {} });
const enqueue = defineJob<null>({ name: 'enqueue', run: (_payload, { ctx }) => ctx.jobs.enqueue(ping, null) });
const waiting = defineJob<null>({
  name: 'waiting',
  run: async (_payload, { ctx }) => (await ctx.jobs.counts()).waiting,
});

it(
  'each test enqueues under a prefix of its own, which no other sees, and leaves nothing behind',
  needsRedis,
  async (t) => {
    const prefixes: string[] = [];
    const seen: unknown[] = [];
    for (const n of [1, 2]) {
      await t.test(`test ${n}`, async (inner) => {
        const env = testRedis(inner);
        prefixes.push(env.REDIS_KEY_PREFIX);
        const runner = await startRunner(inner, { resources: registerResources, variables, env });
        await runner.run(enqueue, null);
        seen.push(await runner.run(waiting, null));
      });
    }
    assert.deepEqual(seen, [1, 1], 'each test saw its own job, not the one before');
    assert.notEqual(prefixes[0], prefixes[1]);
    const admin = await redisAdmin(t, REDIS_URL);
    for (const prefix of prefixes)
      assert.deepEqual(await admin.keys(`${prefix}:*`), [], `nothing left under ${prefix}:`);
  },
);
