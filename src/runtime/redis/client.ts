// The app's Redis or Valkey (node-redis), when REDIS_URL is set: one client per serving process,
// registered as a resource, required or optional as the app declares it. Commands fail rather
// than wait: while disconnected (no offline queue) and past a bound when the server stalls. If
// Redis is out of reach at boot, an optional one lets the process serve and the runtime keeps
// opening it in the background; if it goes away later, the client reconnects by itself.
import type { RedisClientType } from 'redis';
import type { ResourceHandle, Resources } from '../resources.ts';
import type { ProcessContext } from '../types.ts';
import { dynoClients } from './settings.ts';

export type Redis = RedisClientType;

/** A Redis in the dyno's region answers in milliseconds: past this, serve without it and retry. */
const CONNECT_TIMEOUT_MS = 2_000;

/**
 * A command unanswered this long fails, and a route takes it as a miss: Redis answers in a
 * millisecond or two, and a request must not hang on a server that stalls.
 */
export const COMMAND_TIMEOUT_MS = 1_000;

/**
 * After a connection is lost: node-redis's own default (2^retries x 50 ms up to 2 s, plus up
 * to 200 ms of jitter; `defaultReconnectStrategy` in @redis/client's client/socket.js).
 */
const reconnectDelay = (retries: number) => Math.min(2 ** retries * 50, 2_000) + Math.floor(Math.random() * 200);

/**
 * Warns when the server has no room for this dyno's clients, with the numbers: a plan's limit
 * (Heroku Key-Value Store's mini 20, premium-0 40: https://devcenter.heroku.com/articles/heroku-redis) is shared by every
 * dyno and every process that connects. Valkey and Redis 7+ report maxclients in INFO clients.
 */
async function checkRoom(client: Redis, ctx: ProcessContext, name: string): Promise<void> {
  const info = await client.info('clients');
  const read = (field: string) => Number(info.match(new RegExp(`^${field}:(\\d+)`, 'm'))?.[1] ?? Number.NaN);
  const max = read('maxclients');
  const used = read('connected_clients');
  if (!Number.isFinite(max) || !Number.isFinite(used)) return;
  // This process's own client is among those connected (BullMQ's, in a runner, come after it).
  const free = max - used + 1;
  const { needed, arithmetic } = dynoClients(ctx.config.processType, ctx.config.workers);
  if (free < needed)
    ctx.log.warn(
      `${name}: the server allows ${max} clients and ${used} are connected: this dyno's ${needed} (${arithmetic}) may not fit`,
      { max, used, needed },
    );
}

export interface RedisOptions {
  /** The resource's name: in /readyz, and in the lines about it. */
  readonly name?: string;
  /** Whether the app serves without it (see Resource.optional): required unless told. */
  readonly optional?: boolean;
}

/**
 * The first client the app registered with these resources: the fleet's reports and the jobs
 * go through it. Kept by resources, not once per module: a test process builds many apps, each
 * with its own resources, and a later app must not reach an earlier one's closed client.
 */
const firsts = new WeakMap<Resources, ResourceHandle<Redis>>();
export const appRedis = (resources: Resources): ResourceHandle<Redis> | null => firsts.get(resources) ?? null;

/** Registers the client when REDIS_URL is set; null, and the app serves without one, when not. */
export function registerRedis(ctx: ProcessContext, options: RedisOptions = {}): ResourceHandle<Redis> | null {
  const settings = ctx.config.redis;
  if (settings === null) return null;
  const { url, host } = settings;
  const name = options.name ?? 'redis';
  const handle = ctx.resources.register<Redis>({
    name,
    optional: options.optional ?? false,
    async open(signal) {
      // Loaded only with a Redis to talk to: a process without one never loads the client.
      const { createClient } = await import('redis');
      let connected = false;
      let lost = false;
      const client = createClient({
        url,
        // While disconnected, a command fails at once rather than wait in a queue with its request.
        disableOfflineQueue: true,
        // node-redis's timeout (5 s by default) bounds only the wait to be sent: a command already
        // sent to a server that stalls waits for ever unless rejectInFlight is on (CommandOptions
        // in @redis/client's lib/client/commands-queue.d.ts). Its late reply is dropped: right for a
        // cache or a counter; a job queue's blocking commands need a client of their own.
        commandOptions: { timeout: COMMAND_TIMEOUT_MS, rejectInFlight: true },
        socket: {
          ...settings.tls,
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
        ctx.log.warn(`${name} connection lost: its commands fail until it reconnects`, { host, cause: err.message });
      });
      client.on('ready', () => {
        if (lost) ctx.log.info(`${name} reconnected`, { host });
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
      ctx.log.info(`${name} connected`, {
        host,
        tls: settings.tlsReason,
        clients: dynoClients(ctx.config.processType, ctx.config.workers).arithmetic,
      });
      // Once per dyno, by its first process: the others would ask the same question.
      const { workerId } = ctx.identity;
      // A server that refuses INFO (a plan may rename it) leaves the check undone, not the cache.
      if (workerId === null || workerId === 1) await checkRoom(client, ctx, name).catch(() => {});
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
  if (!firsts.has(ctx.resources)) firsts.set(ctx.resources, handle);
  return handle;
}
