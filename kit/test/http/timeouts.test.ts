// The shipped timeouts at their real values, seen from a client's socket: Router 2.0 keeps an
// idle connection for 90 s, so ours must outlast that, while slow clients are still cut off.
// The three run at once: the file takes as long as the longest, about a minute.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApp } from '../helpers/app-server.ts';
import { needsDemo } from '../helpers/demo.ts';
import { advertisedKeepAliveS, connectRaw, type RawClient } from '../helpers/raw-socket.ts';

/** Writes one piece every `everyMs` until the server hangs up. */
function dribble(t: TestContext, client: RawClient, piece: (i: number) => string, everyMs: number) {
  let i = 0;
  const timer = setInterval(() => client.write(piece(i++)), everyMs);
  t.after(() => clearInterval(timer));
  void client.hungUp.then(() => clearInterval(timer));
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe('timeouts, at their shipped values', { concurrency: true }, () => {
  it('cuts off a client that dribbles its headers at about 10 s, with a 408', async (t) => {
    const { server } = await startApp(t);
    const client = await connectRaw(t, server.port);
    const started = performance.now();
    client.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    dribble(t, client, (i) => `X-Slow-${i}: y\r\n`, 500);
    const hangUp = await client.hungUp;
    assert.match(client.received(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
    const elapsed = hangUp.at - started;
    assert.ok(elapsed > 9_000 && elapsed < 20_000, `cut off after ${seconds(elapsed)}`);
  });

  it('cuts off a request body that never ends at about 30 s, with a 408', needsDemo, async (t) => {
    const { server } = await startApp(t);
    const client = await connectRaw(t, server.port);
    const started = performance.now();
    client.write(
      'POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":"',
    );
    // A byte a second: never idle long enough for an inactivity timeout, never finished.
    dribble(t, client, () => 'x', 1_000);
    const hangUp = await client.hungUp;
    assert.match(client.received(), /^HTTP\/1\.1 408 Request Timeout\r\n/);
    const elapsed = hangUp.at - started;
    assert.ok(elapsed > 29_000 && elapsed < 45_000, `cut off after ${seconds(elapsed)}`);
  });

  it('serves the next request on a connection that sat idle for a minute', async (t) => {
    const { server } = await startApp(t);
    const client = await connectRaw(t, server.port);
    client.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const first = await client.nextReply();
    assert.equal(first.status, 200);
    assert.equal(first.headers.connection, 'keep-alive');
    const hint = advertisedKeepAliveS(first.headers);
    assert.ok(hint !== undefined && hint > 90, `Keep-Alive: ${first.headers['keep-alive']} outlasts the router's 90 s`);
    // The idle period is what is under test: longer than the header and request timeouts.
    await sleep(60_000);
    client.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    const second = await client.nextReply();
    assert.equal(second.status, 200);
    assert.equal(second.headers.connection, 'keep-alive');
  });
});
