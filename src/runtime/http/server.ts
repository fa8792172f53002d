// Listening and draining: the only place that owns sockets.
import type http from 'node:http';
import net, { type AddressInfo } from 'node:net';

// Not `import ... from 'node:http'`: an ES import of a built-in builds its whole namespace, and
// http's WebSocket getters load undici with tls, http2 and zlib, about 6 MB in every worker
// (https://github.com/nodejs/node/issues/59686). The CommonJS object loads none of it.
const { createServer } = process.getBuiltinModule('node:http');

export interface ServeOptions {
  readonly port: number;
  /** Time a client has to send its headers: bounds slowloris-style clients. */
  readonly headersTimeoutMs?: number;
  /** Time a client has to send its whole request; Heroku's router gives up after 30 s anyway. */
  readonly requestTimeoutMs?: number;
}

export interface RunningServer {
  readonly port: number;
  /** Requests whose response has not finished yet (the latest of each connection, should a client pipeline). */
  inFlight(): number;
  /**
   * Stop accepting, close idle keep-alive sockets after `IDLE_GRACE_MS` (not their keep-alive
   * timeout), let in-flight requests finish with `Connection: close`. Resolves when the last
   * connection is gone. Idempotent.
   */
  close(): Promise<void>;
  /** Destroy every socket, in flight or not: the deadline has passed. */
  destroy(): void;
}

const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
// Router 2.0 pools its connections to a dyno, ignores the Keep-Alive hint and closes one after
// 90 s idle: a dyno that closes first races the router's next request on it (H13/H18). 95 s, as
// Heroku's own sample apps. https://devcenter.heroku.com/articles/http-routing#keepalives and
// https://help.heroku.com/Y6M4QI4V/how-do-i-fix-new-h18-or-h13-errors-that-have-started-since-switching-to-router-2-0
// Whole seconds: Node advertises `Keep-Alive: timeout=` rounded down.
const KEEP_ALIVE_TIMEOUT_MS = 95_000;
const IDLE_GRACE_MS = 100;

const SERVER_OPTIONS: http.ServerOptions = {
  // Node checks header and request timeouts on this tick; its 30 s default would let a
  // slow client overstay them by up to 30 s.
  connectionsCheckingInterval: 1_000,
  keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  // The socket closes this long after the advertised timeout, so a client that trusts the
  // hint never races the close. Node's default since 24.6, pinned so the hint stays honest.
  keepAliveTimeoutBuffer: 1_000,
};

/**
 * Node's own record of the response a connection is serving, cleared when it finishes
 * (`detachSocket` in lib/_http_server.js). Undocumented but long stable; http-terminator reads
 * it the same way. The drain tests fail should it ever change.
 */
type ServingSocket = net.Socket & { _httpMessage?: http.ServerResponse | null };

export function serve(handler: http.RequestListener, options: ServeOptions): Promise<RunningServer> {
  // Connections, not requests: a keep-alive connection carries thousands of requests, and
  // nothing is done per request until a drain begins.
  const connections = new Set<ServingSocket>();
  let closing: Promise<void> | undefined;

  const closeIdleSoon = () => setTimeout(() => server.closeIdleConnections(), IDLE_GRACE_MS);
  /** A response that a drain overtakes: its client must not send another request on its connection. */
  const finishing = (res: http.ServerResponse) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
    // Its headers may have promised keep-alive before close(): give the client the same grace.
    res.once('close', closeIdleSoon);
  };
  const inFlight = function* () {
    for (const socket of connections) if (socket._httpMessage) yield socket._httpMessage;
  };

  const server = createServer(SERVER_OPTIONS, (req, res) => {
    if (closing) finishing(res);
    handler(req, res);
  });
  server.on('connection', (socket: ServingSocket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  // Both clocks start at a request's first byte (or at the connection's opening), never during
  // an idle keep-alive gap: neither needs to exceed the keep-alive timeout, as old advice for
  // Node behind a load balancer has it.
  server.headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  server.requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

  const running = (port: number): RunningServer => ({
    port,
    inFlight: () => [...inFlight()].length,
    close() {
      closing ??= new Promise<void>((resolve) => {
        // net's close, not http's: http's would also cut idle keep-alive sockets at this
        // instant, and a busy client's next request, already on the wire, would meet a reset.
        net.Server.prototype.close.call(server, () => resolve());
        for (const res of inFlight()) finishing(res);
        // A busy client's next request gets `Connection: close` well within this grace;
        // what is still idle after it is truly idle, and closing it is safe.
        closeIdleSoon();
      });
      return closing;
    },
    destroy: () => server.closeAllConnections(),
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // No host: Node binds `::` with dual stack, which newer dynos need (IPv6) and IPv4 clients still reach.
    server.listen(options.port, () => {
      server.off('error', reject);
      resolve(running((server.address() as AddressInfo).port));
    });
  });
}
