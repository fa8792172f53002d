import { Router } from 'express';
import type { ClusterView } from '../runtime/cluster/status.ts';

/** /api/cluster: the primary's view of every worker, part of the demo surface. */
export function clusterRoutes(view: ClusterView): Router {
  const router = Router();
  router.get('/cluster', async (_req, res) => {
    res.json(await view.status());
  });
  return router;
}
