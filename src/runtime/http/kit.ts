// The part of every Express app that the runtime owns: settings the platform dictates, safe
// headers, request ids and log lines, and the routes the platform and operators probe.
import type { Express, RequestHandler } from 'express';
import helmet from 'helmet';
import type { ClusterView } from '../cluster/views.ts';
import type { Logger } from '../log/log.ts';
import type { ProcessMetrics } from '../metrics/metrics.ts';
import type { Surfaces } from '../surfaces.ts';
import type { KitHttp } from '../types.ts';
import { type Health, healthRoutes, type ReadinessCheck } from './health.ts';
import { metricsRoutes } from './metrics-route.ts';
import { requestLog } from './request-log.ts';

export interface KitHttpDeps {
  readonly log: Logger;
  readonly metrics: ProcessMetrics;
  readonly health: Health;
  readonly readiness: ReadinessCheck;
  readonly cluster: ClusterView;
  readonly surfaces: Surfaces;
  /** The proxies in front of the app that append to X-Forwarded-For (config.proxy). */
  readonly proxyHops: number;
}

/** The kit's own paths: every other request passes them with one Set lookup, not a walk through routes. */
const KIT_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function kitHttp(deps: KitHttpDeps): KitHttp {
  return {
    install(app: Express) {
      app.disable('x-powered-by');
      // The platform's hops (Heroku's router is one; platforms.ts lists each): trust their
      // X-Forwarded-* and nothing a client put before them.
      app.set('trust proxy', deps.proxyHops);
      // Helmet's defaults over HTTPS, as the router tells it (X-Forwarded-Proto, trusted above).
      // Over plain HTTP (a LAN address, a VM, a self-hosted dyno without TLS) one of them breaks
      // the page: upgrade-insecure-requests sends its assets to https://, where nothing listens.
      // Three more a browser ignores there, each with a console message of its own: HSTS (RFC
      // 6797, section 8.1), and COOP and Origin-Agent-Cluster, which need a secure context.
      const overHttps = helmet();
      const overHttp = helmet({
        contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
        strictTransportSecurity: false,
        crossOriginOpenerPolicy: false,
        originAgentCluster: false,
      });
      app.use((req, res, next) => (req.secure ? overHttps : overHttp)(req, res, next));
      requestLog(app, deps.log, deps.metrics);
      const health = healthRoutes(deps.health, deps.readiness);
      // A surface that is off is not mounted at all: /metrics answers 404 like any unknown path.
      const metrics = deps.surfaces.metrics === 'off' ? undefined : metricsRoutes(deps.cluster, deps.surfaces.metrics);
      const kitRoutes: RequestHandler = (req, res, next) => {
        if (!KIT_PATHS.has(req.path)) next();
        else if (req.path === '/metrics') metrics ? metrics(req, res, next) : next();
        else health(req, res, next);
      };
      app.use(kitRoutes);
    },
  };
}
