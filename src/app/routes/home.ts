import { Router } from 'express';
import { type Database, NO_DATABASE, type ResourceHandle } from '../../runtime/contract.ts';
import { type Cache, cacheStatus } from '../cache.ts';

/**
 * Your app's front page. While the teaching surface is mounted its page answers / first;
 * `npm run remove-demo` leaves this one.
 */
/** Whether one is attached and answered its last check (/readyz runs it), never where: this page is public. */
function databaseStatus(database: ResourceHandle<Database> | null): 'attached' | 'unavailable' | typeof NO_DATABASE {
  if (database === null) return NO_DATABASE;
  return database.available ? 'attached' : 'unavailable';
}

export function homeRoutes(database: ResourceHandle<Database> | null, cache: ResourceHandle<Cache> | null): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.json({
      status: 'running',
      database: databaseStatus(database),
      cache: cacheStatus(cache),
      next: 'add your routes in src/app/routes/ and mount them in src/app/app.ts',
    });
  });
  return router;
}
