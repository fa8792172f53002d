import { Router } from 'express';
import type { ClusterView } from '../status.ts';

/** The primary's view of every worker: part of the demo surface. */
export function clusterRoutes(view: ClusterView): Router {
  const router = Router();
  router.get('/api/cluster', async (_req, res) => {
    res.json(await view.status());
  });
  return router;
}
