// The teaching surface: the live cluster view and its page at /, the /api samples, /api/cluster
// and /demo. `npm run remove-demo` deletes this folder, the two lines of src/app/app.ts that
// import and mount it, and the two of src/app/jobs/index.ts that import and list its jobs.
import path from 'node:path';
import express, { type Express } from 'express';
import {
  type AppContext,
  type Database,
  type Redis,
  type ResourceHandle,
  rateLimitScope,
} from '../runtime/contract.ts';
import { clusterControlRoutes, clusterRoutes } from './cluster.ts';
import { DEVELOPMENT_LIMITS, demoRoutes, PRODUCTION_LIMITS } from './cpu-and-sleep.ts';
import { apiRoutes } from './info-and-echo.ts';
import { jobRoutes } from './job-routes.ts';
import { obeyDemoButtons } from './leak-and-burn.ts';
import { pageRoutes } from './page.ts';
import { DEMO_LIMIT, rateLimitRoutes } from './rate-limit.ts';
import { visitRoutes } from './visits.ts';

const publicDir = path.join(import.meta.dirname, 'public');

export interface DemoResources {
  /** The app's database, when it has one: the visit counter and /demo/db-sleep use it. */
  readonly database: ResourceHandle<Database> | null;
  /** The app's Redis, when it has one: the visit counter and the rate limit's count use it. */
  readonly redis: ResourceHandle<Redis> | null;
}

export function mountDemo(app: Express, ctx: AppContext, { database, redis }: DemoResources): void {
  const { surfaces, production } = ctx.config;
  // Routers under a prefix first: a request skips those with one path test, while each
  // router mounted at / costs every request that reaches it a walk through its routes.
  // Switched off (DEMO_SURFACE), the samples are not mounted at all: they answer 404.
  if (surfaces.demo) {
    app.use(
      '/api',
      apiRoutes(ctx.identity),
      clusterRoutes(ctx.cluster, ctx.identity),
      visitRoutes(ctx, database, redis),
      rateLimitRoutes(ctx, redis),
      jobRoutes(ctx),
    );
    // The buttons that make the supervisor act: never mounted in production, whatever else is
    // set, so there they answer 404 like any unknown path.
    if (!production) {
      app.use('/api', clusterControlRoutes(ctx.cluster));
      obeyDemoButtons(ctx.cluster);
    }
    app.use('/demo', demoRoutes(ctx.identity, production ? PRODUCTION_LIMITS : DEVELOPMENT_LIMITS, database));
  }
  // The page explains the kit even with the samples off; it answers / while this is mounted.
  app.use('/static', express.static(publicDir, { maxAge: production ? '1h' : 0 }));
  app.use(
    pageRoutes(ctx.identity, surfaces, {
      buttons: surfaces.demo && !production,
      limit: DEMO_LIMIT,
      limitScope: rateLimitScope(redis !== null, ctx.config.workers),
    }),
  );
}
