// start.ts as the Procfile runs it, in production: first with nothing set, then with exactly
// the environment the Deploy button gives an app from app.json.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { needsDemo } from '../helpers/demo.ts';
import { request } from '../helpers/http.ts';
import { byMsg, ROOT, startDyno } from '../helpers/process.ts';

interface AppJsonVariable {
  readonly value?: string;
  readonly generator?: 'secret';
}

/** What Heroku sets from app.json: each value, and a fresh secret where a generator is named. */
async function deployButtonEnv(): Promise<Record<string, string>> {
  const appJson = JSON.parse(await readFile(path.join(ROOT, 'app.json'), 'utf8')) as {
    env: Record<string, AppJsonVariable>;
  };
  const env: Record<string, string> = {};
  for (const [name, variable] of Object.entries(appJson.env)) {
    if (variable.generator === 'secret') env[name] = randomBytes(32).toString('hex');
    else if (variable.value !== undefined) env[name] = variable.value;
  }
  return env;
}

const statusOf = async (url: string, headers = {}) => (await request(url, { headers })).status;

describe('in production', { concurrency: true, ...needsDemo }, () => {
  it('with nothing set, only health, the page and its static files are served; the boot line says what is off', async (t) => {
    const dyno = startDyno(t, { NODE_ENV: 'production', WEB_CONCURRENCY: '2' });
    const { port } = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
    const base = `http://127.0.0.1:${port}`;
    for (const route of ['/', '/healthz', '/readyz', '/static/style.css']) {
      assert.equal(await statusOf(`${base}${route}`), 200, route);
    }
    for (const route of ['/metrics', '/api/info', '/api/cluster', '/demo/cpu?ms=10000', '/demo/sleep?ms=1']) {
      assert.equal(await statusOf(`${base}${route}`), 404, route);
    }
    assert.equal(
      (
        await request(`${base}/api/echo`, {
          method: 'POST',
          body: '{}',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
      404,
    );
    assert.deepEqual(dyno.logs[0]?.off, [
      'live view, /api/* and /demo/*: set DEMO_SURFACE=on',
      '/metrics: set METRICS_TOKEN to serve it behind that bearer token',
    ]);
  });

  it("with app.json's environment, the Deploy-button app teaches, and /metrics needs its generated token", async (t) => {
    const env = await deployButtonEnv();
    assert.equal(env.NODE_ENV, 'production');
    assert.ok(env.METRICS_TOKEN && env.METRICS_TOKEN.length >= 32, 'app.json generates METRICS_TOKEN');
    const dyno = startDyno(t, { ...env, WEB_CONCURRENCY: '2' });
    const { port } = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
    const base = `http://127.0.0.1:${port}`;
    assert.match((await request(`${base}/`)).body, /The cluster, live/);
    assert.equal(((await request(`${base}/api/cluster`)).json() as { mode: string }).mode, 'cluster');
    assert.equal(await statusOf(`${base}/demo/cpu?ms=100`), 200);
    assert.equal(await statusOf(`${base}/demo/cpu?ms=10000`), 400, 'the production ceiling holds');
    assert.equal(await statusOf(`${base}/metrics`), 401);
    assert.equal(await statusOf(`${base}/metrics`, { authorization: `Bearer ${env.METRICS_TOKEN}` }), 200);
    assert.equal(dyno.logs[0]?.off, undefined, 'nothing is off');
  });
});
