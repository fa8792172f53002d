import { Router } from 'express';
import { prometheusContentType } from 'prom-client';
import type { ClusterView } from '../cluster/views.ts';
import type { Surfaces } from '../surfaces.ts';
import { requireBearer } from './bearer.ts';

/** Prometheus text for the whole dyno, behind the bearer token when there is one. */
export function metricsRoutes(view: ClusterView, access: Exclude<Surfaces['metrics'], 'off'>): Router {
  const router = Router();
  const guard = access === 'open' ? [] : [requireBearer(access.token, 'metrics')];
  router.get('/metrics', ...guard, async (_req, res) => {
    res.type(prometheusContentType).send(await view.metrics());
  });
  return router;
}
