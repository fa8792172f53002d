import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../runtime/contract.ts';

// Node's http without `import ... from 'node:http'`, which would load undici into every worker:
// docs/architecture.md, "Node's http and fs".
const { STATUS_CODES } = process.getBuiltinModule('node:http');

export const notFound: RequestHandler = (req, res) => {
  res.status(404).json({ error: STATUS_CODES[404], message: `No route for ${req.method} ${req.path}` });
};

interface HttpError {
  status?: unknown;
  statusCode?: unknown;
  /** Set by http-errors (body-parser) and our own 4xx errors: the message is safe to show. */
  expose?: unknown;
}

function statusOf(err: HttpError): number {
  const status = Number(err.status ?? err.statusCode);
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}

/**
 * Every error becomes JSON. Express 5 routes rejected promises here too, so async
 * handlers need no wrapper. Stack traces reach the client only for server errors outside production.
 */
export function errorHandler(options: { production: boolean; log: Logger }): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const error = err instanceof Error ? err : new Error(String(err));
    const status = statusOf(err as HttpError);
    // http-errors' rule: a 4xx message is the client's to read unless marked otherwise; a 5xx
    // message only when marked (a 503 that says the database is out of reach).
    const exposed = (err as HttpError).expose === true || (status < 500 && (err as HttpError).expose !== false);
    // The request's own logger when it has one: the line then carries its request id.
    const log = req.log ?? options.log;
    if (status >= 500 && exposed) {
      // Expected, and said to the client already: a line, not a stack per request of an outage.
      const cause = error.cause instanceof Error ? error.cause.message : undefined;
      log.warn('request failed', { method: req.method, path: req.path, status, message: error.message, cause });
    } else if (status >= 500) log.error('request failed', { method: req.method, path: req.path, err: error });
    res.status(status).json({
      error: STATUS_CODES[status] ?? 'Error',
      ...(exposed || !options.production ? { message: error.message } : {}),
      // A client error is the client's to fix, and an exposed one says all there is: a stack
      // only for a bug, and never in production.
      ...(options.production || exposed || status < 500 ? {} : { stack: error.stack?.split('\n') }),
    });
  };
}
