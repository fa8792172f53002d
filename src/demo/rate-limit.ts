// One rate limit, shared by every worker (and, with Redis, by every dyno): the page's button
// fires more requests than it allows, all at once, and counts how many got through. Each press
// is a burst of its own (its id is part of the key), so every press starts from a fresh count.
import { type Request, Router } from 'express';
import { type AppContext, type Redis, type ResourceHandle, rateLimit } from '../runtime/contract.ts';

/** Requests let through per burst; the page fires twice as many. */
export const DEMO_LIMIT = 5;
const WINDOW_MS = 60_000;
const BURST = /^[\w-]{1,40}$/;

const burstOf = (req: Request) => String(req.query.burst);

export function rateLimitRoutes(ctx: AppContext, redis: ResourceHandle<Redis> | null): Router {
  const router = Router();
  const { identity } = ctx;
  const limited = rateLimit(ctx, {
    name: 'demo',
    limit: DEMO_LIMIT,
    windowMs: WINDOW_MS,
    redis,
    key: (req) => `${req.ip}:${burstOf(req)}`,
  });
  router.get(
    '/limited',
    (req, res, next) => {
      if (BURST.test(burstOf(req))) next();
      else res.status(400).json({ error: 'Bad Request', message: 'burst must be 1 to 40 letters, digits, _ or -' });
    },
    limited,
    (_req, res) => {
      res.json({ accepted: true, worker: identity.workerId, pid: identity.pid, instance: identity.instance });
    },
  );
  return router;
}
