// REDIS_URL and what goes with it, parsed like every other variable: where the app's Redis is,
// how to speak TLS to it, and what a dyno's clients add up to.
import { ConfigError, type Env, secretUrl } from '../config-error.ts';
import type { PlatformId } from '../platform/platforms.ts';

/** The boot line and the pages say this without one: the one command that attaches one on Heroku. */
export const NO_REDIS = 'no Redis attached (REDIS_URL is unset): heroku addons:create heroku-redis:mini attaches one';

/** node-redis's socket options for TLS; it takes TLS itself from a rediss:// URL. */
export type RedisTls = { readonly tls: false } | { readonly tls: true; readonly rejectUnauthorized: boolean };

/** What the kit's keys start with, unless REDIS_KEY_PREFIX says otherwise. */
export const DEFAULT_KEY_PREFIX = 'kit';
const KEY_PREFIX = /^[\w.-]{1,64}$/;

export interface RedisSettings {
  readonly url: string;
  /**
   * The kit's keys begin with it and a colon (the job queue, the fleet's reports, the rate
   * limits' counts): two apps on one Redis, each with its own, never see each other's.
   */
  readonly keyPrefix: string;
  /** host:port, for log lines: the URL may hold a password, the host does not. */
  readonly host: string;
  readonly tls: RedisTls;
  /** Why that TLS setting, for the boot line. */
  readonly tlsReason: string;
}

/**
 * TLS as the URL and the platform need it. Heroku Key-Value Store takes rediss:// only, with a
 * self-signed certificate, and Heroku's own node-redis example connects without verifying it
 * (https://devcenter.heroku.com/articles/connecting-heroku-redis#connecting-in-node-js).
 * Elsewhere a rediss:// server (Upstash, a Render Key Value's external URL) shows a certificate a
 * public CA signed, and it is verified; inside a private network (Render, Railway, Fly) the URL
 * is redis://, in plain text.
 */
function tlsFor(protocol: string, platform: PlatformId): Pick<RedisSettings, 'tls' | 'tlsReason'> {
  if (protocol !== 'rediss:') return { tls: { tls: false }, tlsReason: 'redis:// URL: no TLS' };
  if (platform === 'heroku-cedar' || platform === 'heroku-fir')
    return {
      tls: { tls: true, rejectUnauthorized: false },
      tlsReason: "rediss:// on Heroku: TLS, certificate not verified (Heroku Key-Value Store's is self-signed)",
    };
  return { tls: { tls: true, rejectUnauthorized: true }, tlsReason: 'rediss:// URL: TLS, certificate verified' };
}

/**
 * What the kit's keys begin with. Without Redis nothing is written: the default says where it
 * would go (a Redis handle the app made itself, a report that never leaves the dyno).
 */
export const keyPrefixOf = (redis: RedisSettings | null): string => redis?.keyPrefix ?? DEFAULT_KEY_PREFIX;

/**
 * A key of the app's own (what a route caches, a counter), under REDIS_KEY_PREFIX and apart
 * from the kit's: `redisKey(ctx.config, 'notes:count')` is `kit:app:notes:count`. So two apps
 * sharing one Redis keep apart, and a test's `testRedis(t)` gives it a prefix of its own.
 */
export const redisKey = (config: { readonly redis: RedisSettings | null }, name: string): string =>
  `${keyPrefixOf(config.redis)}:app:${name}`;

/** null without Redis: an unset or empty REDIS_URL. */
export function redisSettings(env: Env, platform: PlatformId): RedisSettings | null {
  // Checked with Redis or without: a bad prefix is named before the day Redis is attached.
  const keyPrefix = env.REDIS_KEY_PREFIX?.trim() || DEFAULT_KEY_PREFIX;
  if (!KEY_PREFIX.test(keyPrefix))
    throw new ConfigError('REDIS_KEY_PREFIX', keyPrefix, '1 to 64 letters, digits, ".", "_" or "-" (no ":")');
  const raw = env.REDIS_URL?.trim();
  if (!raw) return null;
  const url = secretUrl(
    'REDIS_URL',
    raw,
    (u) => (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.host !== '',
    'a URL of the form redis://user:password@host:6379 (rediss:// for TLS)',
  );
  return Object.freeze({ url: raw, host: url.host, keyPrefix, ...tlsFor(url.protocol, platform) });
}

/**
 * The Redis clients a dyno of this process type opens, for its boot line and the cache's room
 * check: one per web worker (`2 workers x 1 client = 2 per dyno`); per runner, the app's client
 * (its resources) and BullMQ's two, one of which blocks waiting for jobs
 * (docs.bullmq.io/guide/connections).
 */
export function dynoClients(type: 'web' | 'worker', processes: number): { needed: number; arithmetic: string } {
  if (type === 'web')
    return {
      needed: processes,
      arithmetic: `${processes} ${processes === 1 ? 'process' : 'workers'} x 1 client = ${processes} per dyno`,
    };
  return {
    needed: processes * 3,
    arithmetic: `${processes} ${processes === 1 ? 'runner' : 'runners'} x (1 client + 2 for the queue) = ${processes * 3} per dyno`,
  };
}

/** Where the app's rate limits count, for the boot line: the whole app's, or each dyno's. */
export const rateLimitScope = (redis: boolean, workers: number): string =>
  redis
    ? 'every dyno: counted in Redis'
    : workers === 1
      ? 'this dyno only: counted in its one process (no REDIS_URL)'
      : `this dyno only: counted by its primary for its ${workers} workers (no REDIS_URL)`;
