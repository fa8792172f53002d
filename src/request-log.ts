import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from './log.ts';
import type { ProcessMetrics } from './metrics.ts';

declare global {
  namespace Express {
    interface Request {
      /** The router's request id (or one made here): also the response's X-Request-Id. */
      id: string;
      /** This request's logger: every line it writes carries `requestId`. */
      log: Logger;
    }
  }
}

// Heroku's router keeps a client's X-Request-Id only when it is 20 to 200 of these
// characters, and otherwise makes its own: we apply the same rule when it is absent.
const ROUTER_REQUEST_ID = /^[A-Za-z0-9+/=-]{20,200}$/;

export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && ROUTER_REQUEST_ID.test(header) ? header : randomUUID();
}

/** Probes run every few seconds: at info they would drown the log. */
const QUIET_PATHS = new Set(['/healthz', '/readyz']);

/**
 * Gives each request its id and logger; when it ends, logs one line and counts it in the
 * metrics. One listener for both: this runs for every request, so it does as little as it can.
 */
export function requestLog(log: Logger, metrics: Pick<ProcessMetrics, 'observe'>): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    req.id = requestIdFrom(req.headers['x-request-id'] as string | undefined);
    req.log = log.child({ requestId: req.id });
    // Read now: routers rewrite req.url (and so req.path) while the request passes through them.
    const { method, path } = req;
    res.setHeader('X-Request-Id', req.id);
    req.log.debug('request started', { method, path });
    res.once('close', () => {
      const ms = performance.now() - started;
      const finished = res.writableFinished;
      if (finished) metrics.observe(req, res, ms / 1000);
      const fields = {
        method,
        path,
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
        ...(finished ? {} : { aborted: true }),
      };
      if (QUIET_PATHS.has(path)) req.log.debug('request', fields);
      else req.log.info('request', fields);
    });
    next();
  };
}
