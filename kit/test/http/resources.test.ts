import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import { now } from '../../../src/runtime/clock.ts';
import type { AppFactory } from '../../../src/runtime/contract.ts';
import { createResources } from '../../../src/runtime/resources.ts';
import { silentLog, startApp } from '../helpers/app-server.ts';
import { request } from '../helpers/http.ts';

/** An app owning two resources whose health the test sets. */
type State = { cache: 'up' | 'down' | 'hangs'; db: 'up' | 'down'; cacheChecks?: number };

function appWith(state: State): AppFactory {
  return (ctx) => {
    ctx.resources.register({
      name: 'db',
      open: () => ({}),
      close: () => {},
      check: () => {
        if (state.db === 'down') throw new Error('password authentication failed: postgres://app:hunter2@db/app');
      },
    });
    ctx.resources.register({
      name: 'cache',
      open: () => ({}),
      close: () => {},
      check: () => {
        state.cacheChecks = (state.cacheChecks ?? 0) + 1;
        return state.cache === 'hangs'
          ? new Promise<void>(() => {})
          : state.cache === 'down'
            ? Promise.reject(new Error('ECONNREFUSED'))
            : undefined;
      },
    });
    // A resource without a check is ready once open.
    ctx.resources.register({ name: 'queue', open: () => ({}), close: () => {} });
    const app = express();
    ctx.http.install(app);
    return app;
  };
}

describe('/readyz with resources', () => {
  it('is 200 while every check passes, 503 naming each failing one, and 200 again once they pass', async (t) => {
    const state: State = { cache: 'up', db: 'up' };
    const { url } = await startApp(t, { app: appWith(state) });
    const ready = await request(`${url}/readyz`);
    assert.deepEqual([ready.status, ready.json()], [200, { status: 'ready' }]);

    state.db = 'down';
    state.cache = 'down';
    const failing = await request(`${url}/readyz`);
    assert.equal(failing.status, 503);
    assert.deepEqual(failing.json(), { status: 'unavailable', failing: ['db', 'cache'] });
    assert.doesNotMatch(failing.body, /hunter2|ECONNREFUSED|at /, 'names only: no cause, secret or stack');
    assert.equal((await request(`${url}/healthz`)).status, 200, 'liveness asks no resource');

    state.db = 'up';
    state.cache = 'up';
    assert.equal((await request(`${url}/readyz`)).status, 200);
  });

  it('a check that hangs counts as failing within the check timeout, and probes share it', async (t) => {
    const state: State = { cache: 'hangs', db: 'up' };
    const { url } = await startApp(t, { app: appWith(state) });
    const started = performance.now();
    const replies = await Promise.all([1, 2, 3].map(() => request(`${url}/readyz`)));
    for (const res of replies)
      assert.deepEqual([res.status, res.json()], [503, { status: 'unavailable', failing: ['cache'] }]);
    assert.ok(performance.now() - started < 3_000, 'answered within the check timeout, not hung');
    assert.equal(state.cacheChecks, 1, 'three probes at once ran one check');
  });

  it('draining wins over every check', async (t) => {
    const { url, health } = await startApp(t, { app: appWith({ cache: 'up', db: 'down' }) });
    health.draining = true;
    assert.deepEqual((await request(`${url}/readyz`)).json(), { status: 'draining' });
  });
});

describe('registering a resource', () => {
  const plain = (name: string) => ({ name, open: () => 1, close: () => {} });

  it('refuses a name used twice, a name that is not a plain word, and a register after opening', async () => {
    const resources = createResources(silentLog);
    resources.register(plain('db'));
    assert.throws(() => resources.register(plain('db')), /resource "db" is registered twice/);
    assert.throws(() => resources.register(plain('my db')), /resource name "my db" must be 1 to 64 letters/);
    await resources.openAll(1_000);
    assert.throws(
      () => resources.register(plain('late')),
      /resource "late" registered too late: register resources in createApp\(\)/,
    );
  });

  it('hands out the value only once open, and not after it closed', async () => {
    const resources = createResources(silentLog);
    const db = resources.register(plain('db'));
    assert.throws(() => db.value, /resource "db" is not open/);
    await resources.openAll(1_000);
    assert.equal(db.value, 1);
    assert.equal(await resources.closeAll(now() + 1_000), true);
    assert.throws(() => db.value, /resource "db" is not open/);
  });

  it('an open that takes longer than it may fails with the name and the time', async () => {
    const resources = createResources(silentLog);
    resources.register({ name: 'slow', open: () => new Promise(() => {}), close: () => {} });
    await assert.rejects(resources.openAll(50), {
      name: 'ResourceOpenError',
      message: /^resource "slow" failed to open: opening resource "slow" took longer than 50 ms$/,
    });
  });
});
