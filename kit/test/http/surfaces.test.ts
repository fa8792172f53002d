import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/runtime/config.ts';
import { surfacesOf } from '../../../src/runtime/surfaces.ts';
import { startApp } from '../helpers/app-server.ts';
import { needsDemo } from '../helpers/demo.ts';
import { request } from '../helpers/http.ts';

const TOKEN = 'a-metrics-token-that-is-long-enough-0123456789';
const production = (env: Record<string, string> = {}) => surfacesOf(loadConfig({ NODE_ENV: 'production', ...env }));
const PUBLIC = ['/', '/healthz', '/readyz', '/static/style.css'];
const PRIVATE = ['/metrics', '/api/info', '/api/cluster', '/demo/cpu?ms=1', '/demo/sleep?ms=1'];

describe('what production serves to anyone', needsDemo, () => {
  it('with nothing configured: health, the page and its static files; the rest is 404', async (t) => {
    const { url } = await startApp(t, { production: true, surfaces: production() });
    for (const path of PUBLIC) assert.equal((await request(`${url}${path}`)).status, 200, path);
    for (const path of PRIVATE) {
      const res = await request(`${url}${path}`);
      assert.equal(res.status, 404, path);
      assert.deepEqual(
        Object.keys(res.json() as object).sort(),
        ['error', 'message'],
        'the same 404 as any unknown path',
      );
    }
    const echo = { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } };
    assert.equal((await request(`${url}/api/echo`, echo)).status, 404, 'POST /api/echo');
    const page = (await request(`${url}/`)).body;
    for (const hidden of ['/metrics', '/api/', '/demo/', 'status.js', 'The cluster, live']) {
      assert.ok(!page.includes(hidden), `the page does not mention ${hidden}`);
    }
  });

  it('nothing a client sends turns a surface on', async (t) => {
    const { url } = await startApp(t, { production: true, surfaces: production() });
    const attempts = [
      { query: '?demo=on&DEMO_SURFACE=on&debug=1', headers: {} },
      { query: '', headers: { 'x-demo-surface': 'on', cookie: 'DEMO_SURFACE=on; demo=1' } },
      { query: '', headers: { authorization: `Bearer ${TOKEN}`, 'x-forwarded-for': '127.0.0.1' } },
    ];
    for (const path of ['/metrics', '/api/cluster', '/demo/cpu']) {
      for (const { query, headers } of attempts) {
        assert.equal((await request(`${url}${path}${query}`, { headers })).status, 404, `${path}${query}`);
      }
    }
  });

  it('DEMO_SURFACE=on serves the live view, /api/* and /demo/*, and still not /metrics', async (t) => {
    const { url } = await startApp(t, { production: true, surfaces: production({ DEMO_SURFACE: 'on' }) });
    for (const path of PRIVATE.filter((p) => p !== '/metrics')) {
      assert.equal((await request(`${url}${path}`)).status, 200, path);
    }
    assert.equal((await request(`${url}/metrics`)).status, 404);
    assert.match((await request(`${url}/`)).body, /The cluster, live/);
  });
});

describe('/metrics behind METRICS_TOKEN', () => {
  it('answers the bearer token and 401 to anything else', async (t) => {
    const { url } = await startApp(t, { production: true, surfaces: production({ METRICS_TOKEN: TOKEN }) });
    const withAuth = (authorization?: string) =>
      request(`${url}/metrics`, { headers: authorization === undefined ? {} : { authorization } });

    const ok = await withAuth(`Bearer ${TOKEN}`);
    assert.equal(ok.status, 200);
    assert.match(ok.body, /^# HELP /m);
    for (const wrong of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      'Bearer ',
      `Basic ${TOKEN}`,
      TOKEN,
    ]) {
      const res = await withAuth(wrong);
      assert.equal(res.status, 401, String(wrong));
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="metrics"');
      assert.ok(!res.body.includes('# HELP'), 'no metrics leak with the 401');
    }
    assert.equal((await withAuth(`bearer ${TOKEN}`)).status, 200, 'the scheme is case-insensitive');
  });

  it('the token applies outside production too, once set', async (t) => {
    const surfaces = surfacesOf(loadConfig({ METRICS_TOKEN: TOKEN }));
    const { url } = await startApp(t, { surfaces });
    assert.equal((await request(`${url}/metrics`)).status, 401);
  });
});

describe('the CPU demo in production', needsDemo, () => {
  it('caps one burn at 500 ms', async (t) => {
    const { url } = await startApp(t, { production: true, surfaces: production({ DEMO_SURFACE: 'on' }) });
    const res = await request(`${url}/demo/cpu?ms=501`);
    assert.equal(res.status, 400);
    assert.match((res.json() as { message: string }).message, /from 0 to 500/);
  });

  it('refuses a burn once the worker has spent its share, and says when to come back', async (t) => {
    const { url } = await startApp(t, { production: true, surfaces: production({ DEMO_SURFACE: 'on' }) });
    assert.equal((await request(`${url}/demo/cpu?ms=500`)).status, 200);
    // The budget refills at a quarter of real time: another 500 ms burn needs 2 s of rest.
    const refused = await request(`${url}/demo/cpu?ms=500`);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    assert.match((refused.json() as { message: string }).message, /CPU demo budget is spent/);
    assert.equal((await request(`${url}/demo/sleep?ms=1`)).status, 200, 'waiting costs no CPU, so it is not limited');
  });
});
