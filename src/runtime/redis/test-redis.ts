// A Redis of a test's own, for your app's tests: the server is shared, but the kit's keys in it
// (the job queue, the rate limits' counts) sit under a REDIS_KEY_PREFIX of the test's own, and
// are deleted when the test ends. The server is TEST_REDIS_URL's, else 127.0.0.1:6379.
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { createClient } from 'redis';
import { serviceGate } from '../service-gate.ts';
import { deleteKeys } from './delete-keys.ts';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** For `test(name, whenRedis, fn)`: skipped, saying why, where no server answers. */
export const whenRedis = await serviceGate(
  'Redis',
  TEST_REDIS_URL,
  async () => {
    const client = createClient({ url: TEST_REDIS_URL, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.destroy();
    }
  },
  "start one there, or set TEST_REDIS_URL (see the README's Testing section)",
);

/**
 * REDIS_URL and REDIS_KEY_PREFIX for the test's app (`env: { ...testRedis(t) }`): what it
 * enqueues and counts, and the keys it names with redisKey(), no other test sees, and none is
 * left behind.
 */
export function testRedis(t: TestContext): { REDIS_URL: string; REDIS_KEY_PREFIX: string } {
  const prefix = `test-${randomBytes(6).toString('hex')}`;
  // Registered first, so run first: the app's writes are over once its test's body is.
  deletedAfter(t, `${prefix}:*`);
  return { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix };
}

/** Deletes the keys that match `pattern` (SCAN's MATCH) from TEST_REDIS_URL's server when the test ends. */
export function deletedAfter(t: TestContext, pattern: string): void {
  t.after(() => deleteKeys(TEST_REDIS_URL, pattern));
}
