// A real Redis for the tests that need one: 127.0.0.1:6379, as this project's machines and CI
// run it (.ci/run starts it). Tests share it, so each keeps to keys under a prefix of its own.
import type { TestContext } from 'node:test';
import type { TlsOptions } from 'node:tls';
import { createClient } from 'redis';
import { serviceGate } from '../../../src/runtime/service-gate.ts';
import { tcpProxy } from './tcp-proxy.ts';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Options for `it` or `describe`: skipped, with the reason, when no server answers. */
export const needsRedis = await serviceGate(
  'Redis',
  REDIS_URL,
  async () => {
    const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 2_000, reconnectStrategy: false } });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.destroy();
    }
  },
  'set TEST_REDIS_URL, or start redis-server',
);

/** A key prefix no other test uses; its keys are deleted when the test ends. */
export function keyPrefix(t: TestContext): string {
  const prefix = `kit-test:${process.pid}:${Math.random().toString(36).slice(2, 8)}:`;
  t.after(async () => {
    const client = await createClient({ url: REDIS_URL })
      .on('error', () => {})
      .connect();
    try {
      const keys = await client.keys(`${prefix}*`);
      if (keys.length > 0) await client.del(keys);
    } finally {
      client.destroy();
    }
  });
  return prefix;
}

/**
 * A proxy in front of the server, which a test can cut and restore: a Redis that goes away and
 * comes back. With `tls`, a rediss:// endpoint with that key and certificate.
 */
export const redisProxy = (t: TestContext, options: { readonly tls?: TlsOptions } = {}) =>
  tcpProxy(t, REDIS_URL, 6379, options);
