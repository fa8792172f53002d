// The Redis the rate-limited route counts in: the one the tests use (127.0.0.1:6379, or
// TEST_REDIS_URL). Its keys are the bench's own (rl:bench-<pid>) and expire in a minute. Without a
// server, the rate limit's rows say why they are missing.
import { createClient } from 'redis';

export const BENCH_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

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
