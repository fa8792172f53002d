import { Router } from 'express';

export interface Health {
  /** True once this process has begun to drain: the router should stop sending it work. */
  readonly draining: boolean;
}

export function healthRoutes(health: Health): Router {
  const router = Router();
  // Liveness: the process answers at all.
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Readiness: 503 while draining, so a load balancer that polls it moves traffic away.
  router.get('/readyz', (_req, res) => {
    if (health.draining) res.status(503).json({ status: 'draining' });
    else res.json({ status: 'ready' });
  });
  return router;
}
