import net from 'node:net';
import type { TestContext } from 'node:test';
import tls from 'node:tls';

/**
 * A TCP proxy in front of a server, which a test can cut (every connection reset, the port
 * refusing) and restore on the same port: a server that goes away and comes back. With `tls`
 * (a key and certificate), it takes TLS from its clients and speaks plain text to the server,
 * as a managed service's TLS endpoint does.
 */
export async function tcpProxy(
  t: TestContext,
  target: string,
  defaultPort: number,
  options: { readonly tls?: tls.TlsOptions } = {},
) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const clients = new Set<net.Socket>();
  const connected = (client: net.Socket) => {
    clients.add(client);
    client.on('close', () => clients.delete(client));
    const upstream = net.connect(Number(port || defaultPort), hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  };
  const server = options.tls ? tls.createServer(options.tls, connected) : net.createServer(connected);
  let proxyPort = 0;
  const listen = () =>
    new Promise<void>((resolve) =>
      server.listen(proxyPort, '127.0.0.1', () => {
        proxyPort = (server.address() as net.AddressInfo).port;
        resolve();
      }),
    );
  const cut = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  t.after(() => (server.listening ? cut() : undefined));
  return {
    /** Starts (or restores) the proxy; the first call picks the port later calls reuse. */
    listen,
    cut,
    /** Connections stay open and nothing more reaches the server: a server that stalls. */
    stall(): void {
      for (const client of clients) client.unpipe().pause();
    },
    /** `target` with the proxy's host and port in place of the server's (and rediss: for redis: behind TLS). */
    url(): string {
      const url = new URL(options.tls ? target.replace(/^redis:/, 'rediss:') : target);
      url.host = `127.0.0.1:${proxyPort}`;
      return url.toString();
    },
    /** Reserves a port without listening yet: the server is down from the first boot. */
    async reserve(): Promise<void> {
      await listen();
      await cut();
    },
  };
}
