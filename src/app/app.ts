// Your app. The runtime calls createApp once in each serving process, opens the resources it
// registered, then listens: see the contract in src/runtime/contract.ts.
import express, { type Express } from 'express';
import { mountDemo } from '../demo/mount.ts';
import type { AppContext } from '../runtime/contract.ts';
import { errorHandler, notFound } from './errors.ts';
import { registerResources } from './resources.ts';
import { homeRoutes } from './routes/home.ts';
import type { AppVariables } from './variables.ts';

/** The Express app as a value: it never listens and never reads process.env. */
export function createApp(ctx: AppContext<AppVariables>): Express {
  const app = express();
  // The kit's part, first: trust proxy, helmet, request ids and logs, /healthz, /readyz, /metrics.
  ctx.http.install(app);
  // What the app owns (src/app/resources.ts), registered before any route uses it: PostgreSQL
  // when DATABASE_URL is set, Redis when REDIS_URL is. The job runners register the same.
  const { database, cache } = registerResources(ctx);
  mountDemo(app, ctx, { database, redis: cache }); // the teaching surface: `npm run remove-demo` deletes this line and src/demo/

  // Your routes: one file per group in src/app/routes/, mounted here. Register what else they
  // need with ctx.resources.register() before returning.
  app.use(homeRoutes(database, cache));

  app.use(notFound);
  app.use(errorHandler({ production: ctx.config.production, log: ctx.log }));
  return app;
}
