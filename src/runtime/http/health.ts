import { Router } from 'express';

export interface Health {
  /** True once this process has begun to drain: the router should stop sending it work. */
  readonly draining: boolean;
}

/** The app's resources whose checks fail now: named in /readyz. */
export type FailingResources = (timeoutMs: number) => Promise<string[]>;

/** Longer than a healthy pool takes to answer, shorter than a platform's health-check timeout. */
export const READY_CHECK_TIMEOUT_MS = 2_000;

export function healthRoutes(health: Health, failing: FailingResources): Router {
  const router = Router();
  // Liveness: the process answers at all. It asks no resource: a database outage must not get
  // a healthy process restarted.
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Readiness: 503 while draining, or while a resource the app owns fails its check, so a
  // load balancer that polls it moves traffic away. Names only: a cause may hold a host or a user.
  router.get('/readyz', async (_req, res) => {
    if (health.draining) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const names = await failing(READY_CHECK_TIMEOUT_MS);
    if (names.length > 0) res.status(503).json({ status: 'unavailable', failing: names });
    else res.json({ status: 'ready' });
  });
  return router;
}
