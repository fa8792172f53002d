import { Router } from 'express';
import { prometheusContentType } from 'prom-client';
import type { ClusterView } from '../status.ts';

export function clusterRoutes(view: ClusterView): Router {
  const router = Router();
  router.get('/api/cluster', async (_req, res) => {
    res.json(await view.status());
  });
  router.get('/metrics', async (_req, res) => {
    res.type(prometheusContentType).send(await view.metrics());
  });
  return router;
}
