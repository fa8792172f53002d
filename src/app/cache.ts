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
 * A command unanswered this long fails, and the route takes it as a miss: a cache answers in a
 * millisecond or two, and a request must not hang on a server that stalls.
 */
export const COMMAND_TIMEOUT_MS = 1_000;

/** What the front page says without one: the one command that attaches one on Heroku. */
export const NO_CACHE = 'no cache attached (REDIS_URL is unset): heroku addons:create heroku-redis:mini attaches one';

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

/** The dyno's clients: one per serving process. Heroku Key-Value Store mini allows 20 in all. */
const clientsPerDyno = (workers: number) =>
  `${workers} ${workers === 1 ? 'process' : 'workers'} x 1 client = ${workers} per dyno`;

/**
 * Warns when the server has no room for this dyno's clients, with the numbers: a plan's limit
 * (mini 20, premium-0 40: https://elements.heroku.com/addons/heroku-redis) is shared by every
 * dyno and every process that connects. Valkey and Redis 7+ report maxclients in INFO clients.
 */
async function checkRoom(client: Cache, ctx: AppContext<AppVariables>): Promise<void> {
  const info = await client.info('clients');
  const read = (field: string) => Number(info.match(new RegExp(`^${field}:(\\d+)`, 'm'))?.[1] ?? Number.NaN);
  const max = read('maxclients');
  const used = read('connected_clients');
  if (!Number.isFinite(max) || !Number.isFinite(used)) return;
  // This process's own client is among those connected.
  const free = max - used + 1;
  const needed = ctx.config.workers;
  if (free < needed)
    ctx.log.warn(
      `cache: the server allows ${max} clients and ${used} are connected: this dyno's ${needed} (${clientsPerDyno(needed)}) may not fit`,
      { max, used, needed },
    );
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
        // node-redis's timeout (5 s by default) bounds only the wait to be sent: a command already
        // sent to a server that stalls waits for ever unless rejectInFlight is on (CommandOptions
        // in @redis/client's lib/client/commands-queue.d.ts). Its late reply is dropped; a cache's
        // commands are safe to give up on.
        commandOptions: { timeout: COMMAND_TIMEOUT_MS, rejectInFlight: true },
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
      ctx.log.info('cache connected', { host, tls: tls.reason, clients: clientsPerDyno(ctx.config.workers) });
      // Once per dyno, by its first process: the others would ask the same question.
      const { workerId } = ctx.identity;
      // A server that refuses INFO (a plan may rename it) leaves the check undone, not the cache.
      if (workerId === null || workerId === 1) await checkRoom(client, ctx).catch(() => {});
      return client;
    },
    // Sends what is pending, then closes (quit() is deprecated since node-redis 5). It waits for
    // every reply, so a server that stalls would hold the shutdown until its deadline: past the
    // command bound, the connection is dropped.
    async close(client) {
      const giveUp = setTimeout(() => client.destroy(), COMMAND_TIMEOUT_MS);
      try {
        await client.close();
      } finally {
        clearTimeout(giveUp);
      }
    },
    async check(client) {
      await client.ping();
    },
  });
}

/** For a public page: whether a cache is attached and answering now, never where it is. */
export function cacheStatus(cache: ResourceHandle<Cache> | null): 'attached' | 'unavailable' | typeof NO_CACHE {
  if (cache === null) return NO_CACHE;
  return cache.available && cache.value.isReady ? 'attached' : 'unavailable';
}
