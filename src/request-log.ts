import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from './log.ts';

// Heroku's router keeps a client's X-Request-Id only when it is 20 to 200 of these
// characters, and otherwise makes its own: we apply the same rule when it is absent.
const ROUTER_REQUEST_ID = /^[A-Za-z0-9+/=-]{20,200}$/;

export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && ROUTER_REQUEST_ID.test(header) ? header : randomUUID();
}

/** Probes run every few seconds: at info they would drown the log. */
const QUIET_PATHS = new Set(['/healthz', '/readyz']);

/** One line per request when it ends, with the id the router, the client and the logs share. */
export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const requestId = requestIdFrom(req.get('x-request-id'));
    // Read now: routers rewrite req.url (and so req.path) while the request passes through them.
    const { method, path } = req;
    res.setHeader('X-Request-Id', requestId);
    log.debug('request started', { method, path, requestId });
    res.once('close', () => {
      const fields = {
        method,
        path,
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
        requestId,
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (QUIET_PATHS.has(path)) log.debug('request', fields);
      else log.info('request', fields);
    });
    next();
  };
}
