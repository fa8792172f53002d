import { Router } from 'express';
import type { Readiness } from '../resources.ts';

export interface Health {
  /** True once this process has begun to drain: the router should stop sending it work. */
  readonly draining: boolean;
}

/** The app's resources that fail now: named in /readyz. */
export type ReadinessCheck = (timeoutMs: number) => Promise<Readiness>;

/** Longer than a healthy pool takes to answer, shorter than a platform's health-check timeout. */
const READY_CHECK_TIMEOUT_MS = 2_000;

export function healthRoutes(health: Health, readiness: ReadinessCheck): Router {
  const router = Router();
  // Liveness: the process answers at all. It asks no resource: a database outage must not get
  // a healthy process restarted.
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Readiness: 503 while draining, or while a resource the app cannot serve without fails, so a
  // load balancer that polls it moves traffic away. One the app serves without is named, but
  // keeps the 200: a cache blip must not take every instance out of service. Names only: a
  // cause may hold a host or a user.
  router.get('/readyz', async (_req, res) => {
    if (health.draining) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    const { failing, degraded } = await readiness(READY_CHECK_TIMEOUT_MS);
    const also = degraded.length > 0 ? { degraded } : {};
    if (failing.length > 0) res.status(503).json({ status: 'unavailable', failing, ...also });
    else res.json({ status: 'ready', ...also });
  });
  return router;
}
