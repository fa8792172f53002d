// Your app's Redis (node-redis), when REDIS_URL is set: one client per serving process,
// registered as an optional resource, because the app serves without its cache. If Redis is
// out of reach at boot, the process serves anyway and the runtime keeps opening it in the
// background; if it goes away later, the client reconnects by itself. Meanwhile commands fail
// at once, /readyz stays 200 and lists `cache` under `degraded`, and `cacheStatus` says so.
import type { RedisClientType } from 'redis';
import type { AppContext, PlatformId, ResourceHandle } from '../runtime/contract.ts';
import type { AppVariables } from './variables.ts';

export type Cache = RedisClientType;

/** A Redis in the dyno's region answers in milliseconds: past this, serve without it and retry. */
const CONNECT_TIMEOUT_MS = 2_000;

/**
 * After a connection is lost: node-redis's own default (2^retries x 50 ms up to 2 s, plus up
 * to 200 ms of jitter; `defaultReconnectStrategy` in @redis/client's client/socket.js).
 */
const reconnectDelay = (retries: number) => Math.min(2 ** retries * 50, 2_000) + Math.floor(Math.random() * 200);

/** Where it connects, for log lines: the URL may hold a password, the host does not. */
const hostOf = (url: string) => new URL(url).host;

export interface CacheTls {
  /** node-redis's socket options for TLS; it takes TLS itself from a rediss:// URL. */
  readonly socket: { readonly tls: false } | { readonly tls: true; readonly rejectUnauthorized: boolean };
  /** Why, for the log line. */
  readonly reason: string;
}

/**
 * TLS as the URL and the platform need it. Heroku Key-Value Store takes rediss:// only, with a
 * self-signed certificate, and Heroku's own node-redis example connects without verifying it
 * (https://devcenter.heroku.com/articles/connecting-heroku-redis#connecting-in-node-js).
 * Elsewhere a rediss:// server (Upstash, a Render Key Value's external URL) shows a certificate a
 * public CA signed, and it is verified; inside a private network (Render, Railway, Fly) the URL
 * is redis://, in plain text.
 */
export function cacheTls(url: string, platform: PlatformId): CacheTls {
  if (new URL(url).protocol !== 'rediss:') return { socket: { tls: false }, reason: 'redis:// URL: no TLS' };
  if (platform === 'heroku-cedar' || platform === 'heroku-fir')
    return {
      socket: { tls: true, rejectUnauthorized: false },
      reason: "rediss:// on Heroku: TLS, certificate not verified (Heroku Key-Value Store's is self-signed)",
    };
  return { socket: { tls: true, rejectUnauthorized: true }, reason: 'rediss:// URL: TLS, certificate verified' };
}

/** Registers the client when REDIS_URL is set; null, and the app serves without one, when not. */
export function registerCache(ctx: AppContext<AppVariables>): ResourceHandle<Cache> | null {
  // Parsed at boot (src/app/variables.ts): a redis:// or rediss:// URL, or unset.
  const url = ctx.config.vars.REDIS_URL;
  if (!url) return null;
  const host = hostOf(url);
  const tls = cacheTls(url, ctx.config.platform);
  return ctx.resources.register<Cache>({
    name: 'cache',
    optional: true,
    async open(signal) {
      // Loaded only with a Redis to talk to: a process without one stays as small as before.
      const { createClient } = await import('redis');
      let connected = false;
      let lost = false;
      const client = createClient({
        url,
        // While disconnected, a command fails at once rather than wait in a queue with its request.
        disableOfflineQueue: true,
        socket: {
          ...tls.socket,
          connectTimeout: CONNECT_TIMEOUT_MS,
          // Before the first connect, `false` makes connect() reject with the cause, so the
          // runtime logs it once and retries with its own backoff: node-redis's default would
          // retry forever in silence, and connect() would never settle.
          reconnectStrategy: (retries) => (connected ? reconnectDelay(retries) : false),
        },
      });
      // Unheard, an 'error' event ends the process. Each failed reconnect emits one: a line
      // per outage, not per attempt.
      client.on('error', (err: Error) => {
        if (!connected || lost) return;
        lost = true;
        ctx.log.warn('cache connection lost: its commands fail until it reconnects', { host, cause: err.message });
      });
      client.on('ready', () => {
        if (lost) ctx.log.info('cache reconnected', { host });
        connected = true;
        lost = false;
      });
      // destroy() cannot reach a socket still connecting: connectTimeout bounds that one.
      const stop = () => client.destroy();
      signal.addEventListener('abort', stop, { once: true });
      try {
        await client.connect();
      } catch (err) {
        client.destroy();
        throw err;
      } finally {
        signal.removeEventListener('abort', stop);
      }
      ctx.log.info('cache connected', { host, tls: tls.reason });
      return client;
    },
    // Sends what is pending, then closes: quit() is deprecated since node-redis 5.
    close: (client) => client.close(),
    async check(client) {
      await client.ping();
    },
  });
}

/** For a public page: whether a cache is attached and answering now, never where it is. */
export function cacheStatus(cache: ResourceHandle<Cache> | null): 'attached' | 'unavailable' | 'none' {
  if (cache === null) return 'none';
  return cache.available && cache.value.isReady ? 'attached' : 'unavailable';
}
