// A real Redis for the tests that need one: 127.0.0.1:6379, as this project's machines and CI
// run it (.ci/run starts it). Tests share it, so each keeps to keys under a prefix of its own.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { TestContext } from 'node:test';
import type { TlsOptions } from 'node:tls';
import { createClient } from 'redis';
import { deletedAfter, TEST_REDIS_URL, whenRedis } from '../../../src/runtime/redis/test-redis.ts';
import { freePort } from '../../harness/ports.ts';
import { needsCommand } from './process.ts';
import { tcpProxy } from './tcp-proxy.ts';

export const REDIS_URL = TEST_REDIS_URL;

/** Options for `it` or `describe`: skipped, with the reason, when no server answers. */
export const needsRedis = whenRedis;

/** A key prefix no other test uses; its keys are deleted when the test ends. */
export function keyPrefix(t: TestContext): string {
  const prefix = `kit-test:${process.pid}:${Math.random().toString(36).slice(2, 8)}:`;
  deletedAfter(t, `${prefix}*`);
  return prefix;
}

/**
 * A client of the test's own, to look at the server (CLIENT LIST, INFO, keys), closed when the
 * test ends. It listens for errors: a private server stopped at the test's end (privateRedis) may
 * close its socket first, and node-redis ends the process on an error nobody hears.
 */
export async function redisAdmin(t: TestContext, url: string) {
  const client = createClient({ url, socket: { reconnectStrategy: false } });
  client.on('error', () => {});
  t.after(() => client.destroy());
  return client.connect();
}

/**
 * A proxy in front of the server, which a test can cut and restore: a Redis that goes away and
 * comes back. With `tls`, a rediss:// endpoint with that key and certificate.
 */
export const redisProxy = (t: TestContext, options: { readonly tls?: TlsOptions } = {}) =>
  tcpProxy(t, REDIS_URL, 6379, options);

/** Options for `it` or `describe`: skipped, with the reason, where redis-server is not installed. */
export const needsRedisServer = needsCommand('redis-server');

/**
 * A Redis server of the test's own, started with `args` (a small maxclients, say), nothing kept
 * on disk, stopped when the test ends: for what cannot be set on the shared one.
 */
export async function privateRedis(t: TestContext, args: readonly string[]): Promise<string> {
  const port = await freePort();
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => {
    server.kill();
  });
  const lines = createInterface({ input: server.stdout });
  for await (const line of lines) if (line.includes('Ready to accept connections')) break;
  server.stdout.resume();
  return `redis://127.0.0.1:${port}`;
}
