// Your app's Redis, when REDIS_URL is set: the kit's client (src/runtime/redis/client.ts), one
// per serving process, registered as an optional resource, because the app serves without its
// cache. If Redis is out of reach at boot, the process serves anyway and the runtime keeps
// opening it in the background; if it goes away later, the client reconnects by itself.
// Meanwhile commands fail at once, /readyz stays 200 and lists `cache` under `degraded`, and
// `cacheStatus` says so. Make it required (drop `optional`) if the app cannot serve without it.
// Name your keys with redisKey(ctx.config, 'notes:count'): under REDIS_KEY_PREFIX, apart from
// the kit's and from another app's on the same Redis, and a test's own under testRedis(t).
import { NO_REDIS, type ProcessContext, type Redis, type ResourceHandle, registerRedis } from '../runtime/contract.ts';

export type Cache = Redis;

/** Registers the client when REDIS_URL is set; null, and the app serves without one, when not. */
export function registerCache(ctx: ProcessContext): ResourceHandle<Cache> | null {
  return registerRedis(ctx, { name: 'cache', optional: true });
}

/** For a public page: whether a cache is attached and answering now, never where it is. */
export function cacheStatus(cache: ResourceHandle<Cache> | null): 'attached' | 'unavailable' | typeof NO_REDIS {
  if (cache === null) return NO_REDIS;
  return cache.available && cache.value.isReady ? 'attached' : 'unavailable';
}
