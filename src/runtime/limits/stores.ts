// Where a rate limit counts: in Redis, shared by every dyno, or in the dyno's primary, shared
// by its workers. Both are express-rate-limit stores, and both fail the same way: an error
// that the limiter lets the request through on (its passOnStoreError), said once per outage.
import type { IncrementResponse, Options, Store } from 'express-rate-limit';
import type { ClusterView } from '../cluster/views.ts';
import type { Logger } from '../log/log.ts';
import type { Redis } from '../redis/client.ts';
import type { ResourceHandle } from '../resources.ts';

/** Thrown for a request let through uncounted: the outage is logged once, not per request. */
export class StoreUnreachable extends Error {}

/** The counts of the dyno's primary (or of the process that serves alone), over IPC. */
export function dynoStore(view: ClusterView, name: string, windowMs: number): Store {
  const hit = async (key: string, add: number): Promise<IncrementResponse> => {
    const { count, resetAt } = await view.countInWindow(`${name}:${key}`, windowMs, add);
    return { totalHits: count, resetTime: new Date(resetAt) };
  };
  return {
    increment: (key) => hit(key, 1),
    decrement: async (key) => void (await hit(key, -1)),
    // A count never goes below 0: taking the largest safe integer off empties it.
    resetKey: async (key) => void (await hit(key, -Number.MAX_SAFE_INTEGER)),
  };
}

/**
 * rate-limit-redis's store on the app's client. It loads its Lua scripts once, and a failed load
 * leaves it failing for good (its script hash stays a rejected promise), so after any error the
 * next request builds it afresh: after an outage, or a failover to a server that has never seen
 * the scripts (Heroku Key-Value Store's maintenance), it counts again by itself. `prefix` is
 * what this limit's keys begin with (`kit:rl:<name>:`).
 */
export function redisStore(redis: ResourceHandle<Redis>, prefix: string, windowMs: number): Store {
  let store: Store | undefined;
  let building: Promise<Store> | undefined;
  const build = async () => {
    const { RedisStore } = await import('rate-limit-redis');
    const made = new RedisStore({
      // redis.value throws while the client has never connected: that request passes uncounted.
      sendCommand: (...command: string[]) => redis.value.sendCommand(command),
      prefix,
    });
    // It reads only windowMs of the limiter's options.
    await made.init({ windowMs } as Options);
    store = made;
    return made;
  };
  const use = async <T>(act: (s: Store) => T | Promise<T>): Promise<T> => {
    try {
      if (store) return await act(store);
      building ??= build();
      return await act(await building);
    } catch (err) {
      store = undefined;
      building = undefined;
      throw err;
    }
  };
  return {
    increment: (key) => use((s) => s.increment(key)),
    decrement: (key) => use((s) => s.decrement(key)),
    resetKey: (key) => use((s) => s.resetKey(key)),
  };
}

/**
 * Fails open: a limit whose count cannot be reached lets requests through, with one warning when
 * the outage starts and a line when it ends. Refusing them instead would turn a cache outage into
 * an outage of every limited route (a login among them). Each attempt is bounded by the client's
 * command timeout (or the primary's answer timeout), so a request waits for it, never hangs.
 */
export function failingOpen(store: Store, log: Logger, name: string, where: string): Store {
  let out = false;
  return {
    ...store,
    async increment(key) {
      try {
        const counted = await store.increment(key);
        if (out) log.info(`rate limit ${name}: counting again ${where}`);
        out = false;
        return counted;
      } catch (err) {
        if (!out)
          log.warn(`rate limit ${name}: cannot count ${where}, so its requests pass unlimited until it can`, {
            cause: (err as Error).message,
          });
        out = true;
        throw new StoreUnreachable((err as Error).message, { cause: err });
      }
    },
  };
}
