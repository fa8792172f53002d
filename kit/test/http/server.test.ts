import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { describe, it } from 'node:test';
import { serve } from '../../../src/runtime/http/server.ts';
import { request } from '../helpers/http.ts';
import { advertisedKeepAliveS, connectRaw } from '../helpers/raw-socket.ts';

/** A handler whose requests stay in flight until the test releases them. */
function gatedHandler() {
  const arrived: (() => void)[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const waiting = () =>
    new Promise<void>((resolve) => {
      arrived.push(resolve);
    });
  const handler: http.RequestListener = (req, res) => {
    if (req.url === '/slow') {
      arrived.shift()?.();
      void released.then(() => res.end('done'));
    } else res.end('fast');
  };
  return { handler, release, waiting };
}

describe('serve() and its drain', () => {
  it('lets an in-flight request finish with Connection: close, then resolves', async () => {
    const gate = gatedHandler();
    const server = await serve(gate.handler, { port: 0 });
    const arrived = gate.waiting();
    const slow = request(`http://127.0.0.1:${server.port}/slow`, { agent: new http.Agent({ keepAlive: true }) });
    await arrived;
    assert.equal(server.inFlight(), 1);
    const closed = server.close();
    gate.release();
    const res = await slow;
    assert.equal(res.status, 200);
    assert.equal(res.body, 'done');
    assert.equal(res.headers.connection, 'close');
    await closed;
  });

  it('refuses new connections once closing', async () => {
    const gate = gatedHandler();
    const server = await serve(gate.handler, { port: 0 });
    const arrived = gate.waiting();
    const slow = request(`http://127.0.0.1:${server.port}/slow`);
    await arrived;
    const closed = server.close();
    await assert.rejects(request(`http://127.0.0.1:${server.port}/fast`), { code: 'ECONNREFUSED' });
    gate.release();
    await slow;
    await closed;
  });

  it('closes an idle pooled connection after the short grace, not its 95 s keep-alive timeout', async (t) => {
    const server = await serve(gatedHandler().handler, { port: 0 });
    const client = await connectRaw(t, server.port);
    client.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    const res = await client.nextReply();
    assert.equal(res.headers.connection, 'keep-alive');
    assert.ok((advertisedKeepAliveS(res.headers) ?? 0) > 90, `Keep-Alive: ${res.headers['keep-alive']}`);
    const closing = performance.now();
    const closed = server.close();
    const hangUp = await client.hungUp;
    assert.equal(hangUp.how, 'end', 'closed cleanly by the server');
    // The grace is 100 ms; anything near the keep-alive timeout means close() waited it out.
    assert.ok(hangUp.at - closing < 2_000, `closed after ${Math.round(hangUp.at - closing)} ms`);
    await closed;
  });

  it('answers a request that arrives on an idle pooled connection in the grace, with Connection: close', async (t) => {
    const server = await serve(gatedHandler().handler, { port: 0 });
    const client = await connectRaw(t, server.port);
    client.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal((await client.nextReply()).headers.connection, 'keep-alive');
    const closed = server.close();
    // As a router does with a pooled connection it still believes in.
    client.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    const res = await client.nextReply();
    assert.equal(res.status, 200);
    assert.equal(res.body, 'fast');
    assert.equal(res.headers.connection, 'close');
    assert.equal((await client.hungUp).how, 'end');
    await closed;
  });

  it('close() is idempotent', async () => {
    const server = await serve((_req, res) => res.end(), { port: 0 });
    const first = server.close();
    assert.equal(server.close(), first);
    await first;
  });

  it('hangs up on a client that never finishes its headers', async () => {
    const server = await serve((_req, res) => res.end(), { port: 0, headersTimeoutMs: 200 });
    const socket = net.connect(server.port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    await once(socket, 'close');
    assert.match(Buffer.concat(chunks).toString(), /^HTTP\/1\.1 408 Request Timeout/);
    await server.close();
  });

  it('rejects when the port is taken', async () => {
    const first = await serve((_req, res) => res.end(), { port: 0 });
    await assert.rejects(
      serve((_req, res) => res.end(), { port: first.port }),
      { code: 'EADDRINUSE' },
    );
    await first.close();
  });
});
