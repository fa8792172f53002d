import path from 'node:path';
import express, { type Express } from 'express';
import helmet from 'helmet';
import { clusterRoutes } from '../demo/cluster.ts';
import { DEVELOPMENT_LIMITS, demoRoutes, PRODUCTION_LIMITS } from '../demo/cpu-and-sleep.ts';
import { apiRoutes } from '../demo/info-and-echo.ts';
import { homeRoutes } from '../demo/page.ts';
import type { ClusterView } from '../runtime/cluster/status.ts';
import { type Health, healthRoutes } from '../runtime/http/health.ts';
import { metricsRoutes } from '../runtime/http/metrics-route.ts';
import { requestLog } from '../runtime/http/request-log.ts';
import type { ProcessIdentity } from '../runtime/identity.ts';
import type { Logger } from '../runtime/log/log.ts';
import type { ProcessMetrics } from '../runtime/metrics/metrics.ts';
import type { Surfaces } from '../runtime/surfaces.ts';
import { errorHandler, notFound } from './errors.ts';

export interface AppDeps {
  readonly identity: ProcessIdentity;
  readonly health: Health;
  readonly production: boolean;
  /** What is served beyond health and the page: fixed at boot, never per request. */
  readonly surfaces: Surfaces;
  readonly log: Logger;
  readonly metrics: ProcessMetrics;
  /** The whole cluster's status and metrics, wherever this process sits in it. */
  readonly cluster: ClusterView;
}

const publicDir = path.join(import.meta.dirname, '..', 'demo', 'public');

/** The Express app as a value: it never listens and never reads process.env. */
export function createApp(deps: AppDeps): Express {
  const { surfaces } = deps;
  const app = express();
  app.disable('x-powered-by');
  // Heroku's router is exactly one proxy hop: trust its X-Forwarded-* and nothing before it.
  app.set('trust proxy', 1);
  app.use(helmet());
  requestLog(app, deps.log, deps.metrics);

  // Routers mounted under a prefix first: a request skips those with one path test, while
  // each router mounted at / costs every request that reaches it a walk through its routes.
  // A surface that is off is not mounted at all: it answers 404 like any unknown path.
  if (surfaces.demo) {
    app.use('/api', apiRoutes(deps.identity), clusterRoutes(deps.cluster));
    app.use('/demo', demoRoutes(deps.identity, deps.production ? PRODUCTION_LIMITS : DEVELOPMENT_LIMITS));
  }
  app.use('/static', express.static(publicDir, { maxAge: deps.production ? '1h' : 0 }));
  app.use(healthRoutes(deps.health));
  app.use(homeRoutes(deps.identity, surfaces));
  if (surfaces.metrics !== 'off') app.use(metricsRoutes(deps.cluster, surfaces.metrics));

  app.use(notFound);
  app.use(errorHandler({ production: deps.production, log: deps.log }));
  return app;
}
