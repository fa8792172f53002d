import { Router } from 'express';
import { type Database, NO_DATABASE, type ResourceHandle } from '../../runtime/contract.ts';
import { type Cache, cacheStatus } from '../cache.ts';

/**
 * Your app's front page. While the teaching surface is mounted its page answers / first;
 * `npm run remove-demo` leaves this one.
 */
export function homeRoutes(database: ResourceHandle<Database> | null, cache: ResourceHandle<Cache> | null): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.json({
      status: 'running',
      // Whether one is attached, not where: this page is public.
      database: database === null ? NO_DATABASE : 'attached',
      cache: cacheStatus(cache),
      next: 'add your routes in src/app/routes/ and mount them in src/app/app.ts',
    });
  });
  return router;
}
