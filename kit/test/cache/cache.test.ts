// The app's optional cache (src/app/cache.ts) against a real Redis: out of reach at boot, cut
// while serving, a server that never answers; and a real cluster booting without it.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import express from 'express';
import { type Cache, registerCache } from '../../../src/app/cache.ts';
import { errorHandler, notFound } from '../../../src/app/errors.ts';
import { homeRoutes } from '../../../src/app/routes/home.ts';
import type { AppVariables } from '../../../src/app/variables.ts';
import { now } from '../../../src/runtime/clock.ts';
import { type AppFactory, COMMAND_TIMEOUT_MS, NO_REDIS, type ResourceHandle } from '../../../src/runtime/contract.ts';
import { RESOURCE_TIMING } from '../../../src/runtime/resources.ts';
import { startApp } from '../helpers/app-server.ts';
import { request } from '../helpers/http.ts';
import { capturedLog } from '../helpers/log-capture.ts';
import { byMsg, freePort, startDyno } from '../helpers/process.ts';
import { keyPrefix, needsRedis, needsRedisServer, privateRedis, redisProxy } from '../helpers/redis.ts';
import { selfSignedCertificate } from '../helpers/self-signed.ts';

/** In every REDIS_URL here: no log line and no response may show it. */
const PASSWORD = 's3cret-in-the-url';
const withPassword = (url: string) => url.replace(/^(rediss?):\/\//, `$1://default:${PASSWORD}@`);

/** The app as `npm run remove-demo` leaves it, plus the cache: its front page reports it. */
function homeWithCache(): AppFactory<AppVariables> & { cache?: ResourceHandle<Cache> | null } {
  const factory: AppFactory<AppVariables> & { cache?: ResourceHandle<Cache> | null } = (ctx) => {
    const app = express();
    ctx.http.install(app);
    factory.cache = registerCache(ctx);
    app.use(homeRoutes(null, factory.cache));
    app.use(notFound);
    app.use(errorHandler({ production: true, log: ctx.log }));
    return app;
  };
  return factory;
}

async function readyz(url: string) {
  const res = await request(`${url}/readyz`);
  return [res.status, res.json()];
}

const cacheField = async (url: string) => ((await request(`${url}/`)).json() as { cache: string }).cache;

function assertNoSecret(lines: unknown[]) {
  assert.ok(!JSON.stringify(lines).includes(PASSWORD), 'the password in REDIS_URL is never logged');
}

describe('the cache', needsRedis, () => {
  it('out of reach at boot: the app serves at once, /readyz 200 names it; once Redis answers, it opens', async (t) => {
    const proxy = await redisProxy(t);
    await proxy.reserve();
    const capture = capturedLog();
    // The kit's own app, as createApp wires it.
    const { url } = await startApp(t, { env: { REDIS_URL: withPassword(proxy.url()) }, log: capture.log });

    assert.deepEqual(await readyz(url), [200, { status: 'ready', degraded: ['cache'] }]);
    const [warning] = capture.find('optional resource did not open: serving without it, retrying in the background');
    assert.equal(warning?.resource, 'cache');
    assert.match(String(warning?.cause), /^connect ECONNREFUSED 127\.0\.0\.1:\d+$/, 'refused at once, not waited out');

    await proxy.listen();
    await capture.waitFor('optional resource open: no longer serving without it', { resource: 'cache' });
    assert.deepEqual(await readyz(url), [200, { status: 'ready' }]);
    const connected = capture.find('cache connected');
    assert.equal(connected.length, 1);
    assert.match(String(connected[0]?.host), /^127\.0\.0\.1:\d+$/);
    assert.equal(connected[0]?.tls, 'redis:// URL: no TLS');
    assert.equal(
      capture.find('optional resource did not open: serving without it, retrying in the background').length,
      1,
    );
    assertNoSecret(capture.lines);
  });

  it('cut while serving: requests still answer, /readyz 200 names it, commands fail at once; back, it recovers without a restart', async (t) => {
    const proxy = await redisProxy(t);
    await proxy.listen();
    const prefix = keyPrefix(t);
    const capture = capturedLog();
    const app = homeWithCache();
    const { url } = await startApp(t, { app, env: { REDIS_URL: withPassword(proxy.url()) }, log: capture.log });
    const cache = app.cache!;
    assert.equal(await cacheField(url), 'attached');
    assert.deepEqual(await readyz(url), [200, { status: 'ready' }]);
    await cache.value.set(`${prefix}greeting`, 'hello', { EX: 60 });

    await proxy.cut();
    await capture.waitFor('cache connection lost: its commands fail until it reconnects');
    assert.equal(await cacheField(url), 'unavailable', 'the page still answers, and says so');
    assert.deepEqual(await readyz(url), [200, { status: 'ready', degraded: ['cache'] }]);
    assert.equal((await request(`${url}/healthz`)).status, 200);
    await assert.rejects(
      cache.value.get(`${prefix}greeting`),
      { message: 'The client is offline' },
      'not queued to hang',
    );

    await proxy.listen();
    await capture.waitFor('cache reconnected');
    assert.deepEqual(await readyz(url), [200, { status: 'ready' }]);
    assert.equal(await cacheField(url), 'attached');
    assert.equal(await cache.value.get(`${prefix}greeting`), 'hello', 'the same client, reconnected');
    const warnings = capture.lines.filter((l) => l.level === 'warn');
    assert.deepEqual(
      warnings.map((l) => l.msg),
      [
        'cache connection lost: its commands fail until it reconnects',
        'optional resource check failed: serving without it, /readyz stays 200',
      ],
      'one line per outage, not one per reconnect attempt',
    );
    assert.deepEqual(
      capture.find('resource check passes again').map((l) => l.resource),
      ['cache'],
    );
    assertNoSecret(capture.lines);
  });

  it('a server that stalls while serving: a command fails at its bound, not hanging its request, and stopping does not wait for it', async (t) => {
    const proxy = await redisProxy(t);
    await proxy.listen();
    const app = homeWithCache();
    const { url, resources } = await startApp(t, { app, env: { REDIS_URL: proxy.url() } });
    const cache = app.cache!;
    assert.equal(await cacheField(url), 'attached');

    proxy.stall();
    await assert.rejects(cache.value.get('any key'), {
      message: `Command timed out after ${COMMAND_TIMEOUT_MS}ms waiting for a reply; it may have been executed`,
    });
    assert.equal((await request(`${url}/healthz`)).status, 200);
    // close() waits for every reply: the stalled one must not hold the shutdown to its deadline.
    assert.equal(await resources.closeAll(now() + 60_000), true, 'closed before the deadline');
  });

  it('a server that accepts but never answers: the boot says what it waits for, serves at its bound, and stopping hangs up', async (t) => {
    const silent = net.createServer();
    const connections: net.Socket[] = [];
    // Reads and drops what it is sent (so it sees the client hang up), and never answers.
    silent.on('connection', (socket) => connections.push(socket.resume()));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    t.after(() => {
      for (const socket of connections) socket.destroy();
      silent.close();
    });
    const capture = capturedLog();
    const app = homeWithCache();
    const timing = { ...RESOURCE_TIMING, noticeAfterMs: 100, optionalOpenMs: 400 };
    const { url, resources } = await startApp(t, {
      app,
      env: { REDIS_URL: `redis://127.0.0.1:${(silent.address() as net.AddressInfo).port}` },
      log: capture.log,
      resourceTiming: timing,
    });
    const [notice] = capture.find('waiting for a resource to open');
    assert.deepEqual(
      [notice?.resource, notice?.waitsUpToMs, notice?.ifStillPending],
      ['cache', 400, 'serves without it'],
    );
    const [warning] = capture.find('optional resource did not open: serving without it, retrying in the background');
    assert.equal(warning?.cause, 'opening resource "cache" took longer than 400 ms');
    assert.equal(await cacheField(url), 'unavailable');
    assert.equal(connections.length, 1, 'one connection, still waiting: no second client beside it');

    const [socket] = connections;
    const hungUp = once(socket!, 'close');
    assert.equal(await resources.closeAll(now() + 60_000), true);
    await hungUp;
  });
});

// Heroku Key-Value Store: rediss:// only, with a certificate no CA signed.
const certificate = selfSignedCertificate();
const needsCertificate = {
  skip: certificate === null ? 'openssl is not installed: it makes the test certificate' : false,
};

/** The app on `platform`, its REDIS_URL a rediss:// endpoint with the self-signed certificate. */
async function behindTls(t: TestContext, platform: string) {
  const proxy = await redisProxy(t, { tls: certificate ?? {} });
  await proxy.listen();
  const capture = capturedLog();
  const app = homeWithCache();
  const redisUrl = withPassword(proxy.url());
  assert.match(redisUrl, /^rediss:\/\/default:/);
  const { url } = await startApp(t, { app, env: { REDIS_URL: redisUrl, PLATFORM: platform }, log: capture.log });
  return { url, app, capture };
}

describe('the cache over TLS, behind an endpoint with a self-signed certificate', needsRedis, () => {
  it(
    'on Heroku, rediss:// connects without verifying it, as Heroku Key-Value Store needs',
    needsCertificate,
    async (t) => {
      const prefix = keyPrefix(t);
      const { url, app, capture } = await behindTls(t, 'heroku-cedar');

      assert.deepEqual(await readyz(url), [200, { status: 'ready' }]);
      assert.equal(await cacheField(url), 'attached');
      await app.cache!.value.set(`${prefix}over-tls`, 'yes', { EX: 60 });
      assert.equal(await app.cache!.value.get(`${prefix}over-tls`), 'yes');
      assert.deepEqual(
        capture.find('cache connected').map((l) => l.tls),
        ["rediss:// on Heroku: TLS, certificate not verified (Heroku Key-Value Store's is self-signed)"],
      );
      assertNoSecret(capture.lines);
    },
  );

  it(
    'elsewhere, rediss:// verifies the certificate: a self-signed one is refused, and the app serves without its cache',
    needsCertificate,
    async (t) => {
      const { url, capture } = await behindTls(t, 'render');

      assert.deepEqual(await readyz(url), [200, { status: 'ready', degraded: ['cache'] }]);
      assert.equal(await cacheField(url), 'unavailable');
      const [warning] = capture.find('optional resource did not open: serving without it, retrying in the background');
      assert.equal(warning?.resource, 'cache');
      assert.match(String(warning?.cause), /self-signed certificate/);
      assertNoSecret(capture.lines);
    },
  );
});

describe("the dyno's clients against the server's limit", needsRedisServer, () => {
  it('a server with no room for every process of the dyno: the connected line gives the arithmetic, a warning the numbers', async (t) => {
    const redisUrl = await privateRedis(t, ['--maxclients', '2']);
    // Another dyno's client, already there.
    const other = net.connect(Number(new URL(redisUrl).port), '127.0.0.1');
    t.after(() => other.destroy());
    other.write('PING\r\n');
    await once(other, 'data');
    const capture = capturedLog();
    await startApp(t, { app: homeWithCache(), env: { REDIS_URL: redisUrl }, log: capture.log, workers: 2 });

    assert.deepEqual(
      capture.find('cache connected').map((l) => l.clients),
      ['2 workers x 1 client = 2 per dyno'],
    );
    const warnings = capture.lines.filter((l) => l.level === 'warn').map((l) => [l.msg, l.max, l.used, l.needed]);
    assert.deepEqual(warnings, [
      [
        "cache: the server allows 2 clients and 2 are connected: this dyno's 2 (2 workers x 1 client = 2 per dyno) may not fit",
        2,
        2,
        2,
      ],
    ]);
  });

  it('room for them: no warning', async (t) => {
    const redisUrl = await privateRedis(t, ['--maxclients', '3']);
    const capture = capturedLog();
    await startApp(t, { app: homeWithCache(), env: { REDIS_URL: redisUrl }, log: capture.log, workers: 2 });
    assert.equal(capture.find('cache connected').length, 1);
    assert.deepEqual(
      capture.lines.filter((l) => l.level === 'warn'),
      [],
    );
  });

  it('without REDIS_URL, the front page says the one command that attaches one', async (t) => {
    const { url } = await startApp(t, { app: homeWithCache() });
    assert.equal(await cacheField(url), NO_REDIS);
    assert.match(NO_REDIS, /heroku addons:create heroku-redis:mini/);
  });
});

describe('a cluster whose Redis is out of reach', () => {
  it('is ready without it, with no crash loop, and SIGTERM ends it promptly with exit 0', async (t) => {
    const closed = await freePort();
    const dyno = startDyno(t, {
      WEB_CONCURRENCY: '2',
      REDIS_URL: withPassword(`redis://127.0.0.1:${closed}`),
      REDIS_KEY_PREFIX: 'notes-staging',
    });
    const { port } = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
    const starting = dyno.logs.find((l) => l.msg.startsWith('starting'));
    assert.deepEqual(
      [starting?.redis, starting?.redisHost, starting?.redisTls, starting?.redisKeys],
      ['2 workers x 1 client = 2 per dyno', `127.0.0.1:${closed}`, 'redis:// URL: no TLS', 'notes-staging:*'],
      'the boot line gives the dyno its clients, and where, never the password, and which keys are its',
    );
    const warnings = dyno.logs.filter(
      byMsg('optional resource did not open: serving without it, retrying in the background'),
    );
    assert.equal(warnings.length, 2, 'one line per worker');
    for (const line of warnings) assert.equal(line.cause, `connect ECONNREFUSED 127.0.0.1:${closed}`);
    const res = await request(`http://127.0.0.1:${port}/readyz`);
    assert.deepEqual([res.status, res.json()], [200, { status: 'ready', degraded: ['cache'] }]);

    const signalled = performance.now();
    dyno.signalGroup('SIGTERM');
    assert.equal((await dyno.exited).code, 0);
    const ms = performance.now() - signalled;
    assert.ok(ms < 5_000, `exited in ${Math.round(ms)} ms, far inside the 25 s deadline`);
    assert.equal(dyno.logs.filter((l) => l.msg.startsWith('crash loop')).length, 0);
    assert.equal(dyno.logs.filter((l) => l.msg === 'worker exited' && l.expected !== true).length, 0);
    assertNoSecret([...dyno.logs, ...dyno.stderr]);
  });
});
