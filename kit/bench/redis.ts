// The Redis the bench's rate limits, job queues and fleet reports use: the one the tests use
// (127.0.0.1:6379, or TEST_REDIS_URL). Every key the bench makes there is under a prefix of this
// run's own, deleted when the run ends, so a developer's own queue on that server is never
// touched. Without a server, the rows that need one say why they are missing.
import { createClient } from 'redis';
import { deleteKeys } from '../../src/runtime/redis/delete-keys.ts';

export const BENCH_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** REDIS_KEY_PREFIX for every server of this run, and the prefix of the queues it makes itself. */
export const BENCH_KEY_PREFIX = `bench-${process.pid}`;

/** Deletes every key of this run. */
export const deleteBenchKeys = (url: string) => deleteKeys(url, `${BENCH_KEY_PREFIX}:*`);

/** The URL when a server answers there, or why not. */
export async function findRedis(): Promise<{ url: string } | { missing: string }> {
  const client = createClient({ url: BENCH_REDIS_URL, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return { url: BENCH_REDIS_URL };
  } catch (err) {
    return { missing: `no Redis at ${BENCH_REDIS_URL} (${(err as Error).message}): set TEST_REDIS_URL` };
  } finally {
    client.destroy();
  }
}
