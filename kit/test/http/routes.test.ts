import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startApp } from '../helpers/app-server.ts';
import { needsDemo } from '../helpers/demo.ts';
import { request } from '../helpers/http.ts';

/** POST /api/echo with `body`, sent as `type`. */
const echo = (url: string, body: string, type = 'application/json') =>
  request(`${url}/api/echo`, { method: 'POST', headers: { 'content-type': type }, body });

describe('the sample app over HTTP', () => {
  it('GET / explains the template and names the process that served it', needsDemo, async (t) => {
    const { url } = await startApp(t);
    const res = await request(`${url}/`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, new RegExp(`the single process \\(pid ${process.pid}\\) of instance web\\.1`));
    assert.match(res.body, /WEB_CONCURRENCY/);
  });

  it('GET /api/info describes this process', needsDemo, async (t) => {
    const { url } = await startApp(t);
    const res = await request(`${url}/api/info`);
    assert.equal(res.status, 200);
    const info = res.json() as Record<string, unknown>;
    assert.equal(info.pid, process.pid);
    assert.equal(info.workerId, null);
    assert.equal(info.instance, 'web.1');
    assert.equal(info.node, process.version);
    assert.equal(typeof info.uptimeSeconds, 'number');
    assert.ok((info.memory as { rss: number }).rss > 0);
  });

  it('trusts exactly one proxy hop: the router', needsDemo, async (t) => {
    const { url } = await startApp(t);
    const res = await request(`${url}/api/info`, {
      headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.7', 'x-forwarded-proto': 'https' },
    });
    const info = res.json() as Record<string, unknown>;
    assert.equal(info.clientIp, '203.0.113.7', 'the address the router saw, not what the client claimed');
    assert.equal(info.protocol, 'https');
  });

  it(
    "trusts the platform's hops: two on Fly.io, whose proxy appends the app's own IP; none with TRUST_PROXY=0",
    needsDemo,
    async (t) => {
      const clientIp = async (env: Record<string, string>) => {
        const { url } = await startApp(t, { env });
        const res = await request(`${url}/api/info`, {
          headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 198.51.100.1' },
        });
        return (res.json() as { clientIp: string }).clientIp;
      };
      assert.equal(await clientIp({ FLY_MACHINE_ID: 'm1', FLY_REGION: 'ams' }), '203.0.113.7');
      assert.match(await clientIp({ TRUST_PROXY: '0' }), /127\.0\.0\.1$/, 'the socket itself: no header believed');
    },
  );

  describe('POST /api/echo', needsDemo, () => {
    it('echoes a JSON body', async (t) => {
      const { url } = await startApp(t);
      const body = JSON.stringify({ hello: 'world', n: [1, 2] });
      const res = await echo(url, body);
      assert.equal(res.status, 200);
      assert.deepEqual(res.json(), { received: { hello: 'world', n: [1, 2] } });
    });

    it('answers malformed JSON with 400 JSON', async (t) => {
      const { url } = await startApp(t);
      const res = await echo(url, '{"hello": ');
      assert.equal(res.status, 400);
      assert.match(String(res.headers['content-type']), /application\/json/);
      assert.equal((res.json() as { error: string }).error, 'Bad Request');
    });

    it('answers a body over 100 kB with 413', async (t) => {
      const { url } = await startApp(t);
      const body = JSON.stringify({ blob: 'x'.repeat(101 * 1024) });
      const res = await echo(url, body);
      assert.equal(res.status, 413);
      assert.equal((res.json() as { error: string }).error, 'Payload Too Large');
    });

    it('accepts a body just under 100 kB', async (t) => {
      const { url } = await startApp(t);
      const body = JSON.stringify({ blob: 'x'.repeat(99 * 1024) });
      const res = await echo(url, body);
      assert.equal(res.status, 200);
    });

    it('answers a body that is not JSON with 415', async (t) => {
      const { url } = await startApp(t);
      const res = await echo(url, 'hi', 'text/plain');
      assert.equal(res.status, 415);
      assert.match((res.json() as { message: string }).message, /application\/json/);
    });
  });

  describe('demo routes', needsDemo, () => {
    it('GET /demo/cpu?ms=N burns about N ms', async (t) => {
      const { url } = await startApp(t);
      const res = await request(`${url}/demo/cpu?ms=30`);
      assert.equal(res.status, 200);
      const body = res.json() as { ms: number; tookMs: number; pid: number };
      assert.equal(body.ms, 30);
      assert.ok(body.tookMs >= 30, `took ${body.tookMs} ms`);
      assert.equal(body.pid, process.pid);
    });

    it('GET /demo/sleep?ms=N waits about N ms', async (t) => {
      const { url } = await startApp(t);
      const res = await request(`${url}/demo/sleep?ms=30`);
      assert.equal(res.status, 200);
      assert.ok((res.json() as { tookMs: number }).tookMs >= 29);
    });

    for (const route of ['cpu', 'sleep']) {
      for (const query of ['?ms=abc', '?ms=-1', '?ms=10001', '?ms=1.5', '?ms=', '', '?ms=1&ms=2']) {
        it(`GET /demo/${route}${query} is 400 and says what is allowed`, async (t) => {
          const { url } = await startApp(t);
          const res = await request(`${url}/demo/${route}${query}`);
          assert.equal(res.status, 400);
          assert.match((res.json() as { message: string }).message, /ms must be a whole number from 0 to 10000/);
        });
      }
    }

    it('accepts both ends of the range', async (t) => {
      const { url } = await startApp(t);
      assert.equal((await request(`${url}/demo/cpu?ms=0`)).status, 200);
      assert.equal((await request(`${url}/demo/sleep?ms=0`)).status, 200);
    });
  });

  it('GET /healthz is 200, GET /readyz turns 503 once draining', async (t) => {
    const { url, health } = await startApp(t);
    assert.equal((await request(`${url}/healthz`)).status, 200);
    assert.equal((await request(`${url}/readyz`)).status, 200);
    health.draining = true;
    const res = await request(`${url}/readyz`);
    assert.equal(res.status, 503);
    assert.deepEqual(res.json(), { status: 'draining' });
    assert.equal((await request(`${url}/healthz`)).status, 200, 'still alive while draining');
  });

  it('answers unknown routes with 404 JSON', async (t) => {
    const { url } = await startApp(t);
    const res = await request(`${url}/nope`);
    assert.equal(res.status, 404);
    assert.deepEqual(res.json(), { error: 'Not Found', message: 'No route for GET /nope' });
  });

  it('sends security headers and hides the framework', async (t) => {
    const { url } = await startApp(t);
    const res = await request(`${url}/`, { headers: { 'x-forwarded-proto': 'https' } });
    assert.equal(res.headers['x-powered-by'], undefined);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
    assert.match(String(res.headers['content-security-policy']), /upgrade-insecure-requests/);
    assert.match(String(res.headers['strict-transport-security']), /max-age=\d+/);
    assert.equal(res.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
  });

  it('over plain HTTP, sends nothing that moves the page to https://, where nothing may listen', async (t) => {
    const { url } = await startApp(t);
    const res = await request(`${url}/`, { headers: { 'x-forwarded-proto': 'http' } });
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/, 'the policy is there');
    assert.doesNotMatch(csp, /upgrade-insecure-requests/);
    assert.equal(res.headers['strict-transport-security'], undefined);
    assert.equal(res.headers['cross-origin-opener-policy'], undefined, 'ignored there, with a console error');
    assert.equal(res.headers['origin-agent-cluster'], undefined, 'ignored there, with a console warning');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });
});
