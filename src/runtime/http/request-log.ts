import { randomBytes } from 'node:crypto';
import type { Express as App, Request } from 'express';
import type { Logger } from '../log/log.ts';
import type { ProcessMetrics } from '../metrics/metrics.ts';

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

// Ours, when there is none: 96 random bits drawn once per process, then a count. Unique across
// every process of every dyno, valid by the router's rule, and about a tenth of the 0.8 µs a
// randomUUID() cost each request here.
const PROCESS_PREFIX = randomBytes(12).toString('hex');
let made = 0;

export function requestIdFrom(header: string | undefined): string {
  if (header !== undefined && ROUTER_REQUEST_ID.test(header)) return header;
  made += 1;
  return `${PROCESS_PREFIX}-${made.toString(36)}`;
}

/** Probes run every few seconds: at info they would drown the log. */
const QUIET_PATHS = new Set(['/healthz', '/readyz']);

const LOGGER = Symbol('request logger');

/**
 * Gives each request its id and its logger (`req.log`); when a request ends, logs one line
 * and counts it in the metrics. One listener for both: this runs for every request, so it
 * does as little as it can.
 */
export function requestLog(app: App, log: Logger, metrics: Pick<ProcessMetrics, 'observe'>): void {
  // Made when route code first asks for it, on the prototype Express gives each request of
  // this app: most requests never log a line of their own, and a child logger made for every
  // request cost as much CPU as the rest of this middleware.
  Object.defineProperty(app.request, 'log', {
    configurable: true,
    get(this: Request & { [LOGGER]?: Logger }): Logger {
      this[LOGGER] ??= log.child({ requestId: this.id });
      return this[LOGGER];
    },
  });
  app.use((req, res, next) => {
    const started = performance.now();
    const requestId = requestIdFrom(req.headers['x-request-id'] as string | undefined);
    req.id = requestId;
    // Read now: routers rewrite req.url (and so req.path) while the request passes through them.
    const { method, path } = req;
    res.setHeader('X-Request-Id', requestId);
    log.debug('request started', { requestId, method, path });
    // `on`, not `once`: a response closes once, and once's wrapper is work on every request.
    res.on('close', () => {
      const ms = performance.now() - started;
      const finished = res.writableFinished;
      if (finished) metrics.observe(req, res, ms / 1000);
      log.request(QUIET_PATHS.has(path) ? 'debug' : 'info', {
        requestId,
        method,
        path,
        status: res.statusCode,
        ms: Math.round(ms * 10) / 10,
        aborted: finished ? undefined : true,
      });
    });
    next();
  });
}
