// Ports for a server under test to listen on, found as the kit listens: on every address.
import { once } from 'node:events';
import net from 'node:net';

/** Whether the port can be listened on. */
export async function portIsFree(port: number): Promise<boolean> {
  const probe = net.createServer();
  try {
    await once(probe.listen(port), 'listening');
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return false;
    throw err;
  } finally {
    if (probe.listening) await new Promise((resolve) => probe.close(resolve));
  }
}

/** A port nothing listens on right now, for a server whose logs will not say which it took. */
export async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0);
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
