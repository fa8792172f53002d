// A rate limit whose count holds across the whole app: express-rate-limit, counting in Redis
// (every dyno) when the app hands it its client, else in the dyno's primary (every worker of
// this dyno). Its memory store would count in each worker alone: a limit of 5 would let
// 5 x workers x dynos through (express-rate-limit#51, #200, #331).
import type { Request, RequestHandler } from 'express';
import type { Logger as LimiterLogger } from 'express-rate-limit';
import { optionFailure } from '../option-error.ts';
import type { Redis } from '../redis/client.ts';
import { keyPrefixOf } from '../redis/settings.ts';
import type { ResourceHandle } from '../resources.ts';
import type { AppContext } from '../types.ts';

export interface RateLimitOptions {
  /** Names it in log lines and in its keys: letters, digits, `.`, `_` or `-`, unique in the app. */
  readonly name: string;
  /** Requests each client may make in a window; the next ones are refused with 429. */
  readonly limit: number;
  /** The window's length: a client's count starts again from 0 this long after its first request. */
  readonly windowMs: number;
  /**
   * The app's Redis (registerRedis's handle): with one, every dyno shares the count. Without
   * (null, or REDIS_URL unset) the dyno's workers share it, held by their primary.
   */
  readonly redis?: ResourceHandle<Redis> | null;
  /**
   * Whose requests count together: the client's address unless told (req.ip, right behind the
   * router's hop; an IPv6 client by its /56, as express-rate-limit does).
   */
  readonly key?: (req: Request) => string;
}

const NAME = /^[\w.-]+$/;
const MAX_WINDOW_MS = 2 ** 31 - 1;
// The names each app has given its limits: two of one name would count in one another's keys.
// Per context, not per process: a test file builds one app after another, each with its own.
const namesOf = new WeakMap<AppContext, Set<string>>();

function checked(options: RateLimitOptions): RateLimitOptions {
  const { name, limit, windowMs } = options;
  const fail = optionFailure('rateLimit');
  if (typeof name !== 'string' || !NAME.test(name)) fail('name', name, 'letters, digits, ".", "_" or "-"');
  if (!Number.isInteger(limit) || limit < 1) fail(`${name}'s limit`, limit, 'a whole number of requests, 1 or more');
  if (!Number.isInteger(windowMs) || windowMs < 1 || windowMs > MAX_WINDOW_MS)
    fail(`${name}'s windowMs`, windowMs, `a whole number of milliseconds from 1 to ${MAX_WINDOW_MS}`);
  return options;
}

/**
 * Express middleware that answers 429 (through the app's error handler) once a client passes
 * `limit` requests in `windowMs`, with the standard RateLimit and Retry-After headers. Create it
 * in createApp, once per limit. express-rate-limit and the stores are loaded on the first request
 * it sees, so a process that never serves a limited route does not carry them.
 */
export function rateLimit(ctx: AppContext, options: RateLimitOptions): RequestHandler {
  const { name, limit, windowMs, redis, key } = checked(options);
  const names = namesOf.get(ctx) ?? new Set<string>();
  if (names.has(name))
    optionFailure('rateLimit')('name', name, 'unique in the app: another rateLimit has it, and would share its counts');
  namesOf.set(ctx, names.add(name));
  const log = ctx.log;
  const first = ctx.identity.workerId === null || ctx.identity.workerId === 1;
  // Once per dyno, by its first process: the boot line promised every dyno.
  if (ctx.config.redis && !redis && first)
    log.warn(`rate limit ${name}: REDIS_URL is set but the limit was given no Redis, so it counts per dyno`, {
      fix: 'pass the app’s registerRedis handle as its `redis` option',
    });
  const seconds = Math.ceil(windowMs / 1000);
  const build = async (): Promise<RequestHandler> => {
    const [{ rateLimit: limiter }, { dynoStore, failingOpen, redisStore, StoreUnreachable }] = await Promise.all([
      import('express-rate-limit'),
      import('./stores.ts'),
    ]);
    const store = failingOpen(
      redis
        ? redisStore(redis, `${keyPrefixOf(ctx.config.redis)}:rl:${name}:`, windowMs)
        : dynoStore(ctx.cluster, name, windowMs),
      log,
      name,
      redis ? 'in Redis' : ctx.identity.workerId === null ? 'in this process' : 'in the primary',
    );
    // The limiter's own complaints (a misconfiguration it detects) go to the app's log; a store
    // that fails was said once already, by failingOpen.
    const logger: LimiterLogger = {
      warn: (err, message) => log.warn(message ?? `rate limit ${name}`, { err }),
      error: (err, message) => {
        if (!(err instanceof StoreUnreachable)) log.error(message ?? `rate limit ${name}`, { err });
      },
    };
    return limiter({
      limit,
      windowMs,
      store,
      identifier: name,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      passOnStoreError: true,
      logger,
      ...(key ? { keyGenerator: (req: Request) => key(req) } : {}),
      // Built once per process on its first limited request, by design: not per request.
      validate: { creationStack: false },
      handler: (_req, _res, next) =>
        next(
          Object.assign(new Error(`rate limit ${name}: ${limit} requests per ${seconds} s; try again later`), {
            status: 429,
            expose: true,
          }),
        ),
    });
  };
  let ready: RequestHandler | undefined;
  let loading: Promise<RequestHandler> | undefined;
  return (req, res, next) => {
    if (ready) return ready(req, res, next);
    loading ??= build();
    loading.then((handler) => {
      ready = handler;
      handler(req, res, next);
    }, next);
  };
}
