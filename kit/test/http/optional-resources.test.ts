// Required and optional resources, with small in-process ones whose opens and checks the test
// drives: a bounded open, the background retry, the waiting line, the abort at close, and what
// /readyz and a route say meanwhile.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import { errorHandler, notFound } from '../../../src/app/errors.ts';
import type { AppFactory, Resource, ResourceHandle } from '../../../src/runtime/contract.ts';
import { createResources, RESOURCE_TIMING, type ResourceTiming } from '../../../src/runtime/resources.ts';
import { startApp } from '../helpers/app-server.ts';
import { request } from '../helpers/http.ts';
import { capturedLog } from '../helpers/log-capture.ts';

/** Retries a few milliseconds apart, so a test sees several without waiting on the real backoff. */
const FAST: ResourceTiming = { ...RESOURCE_TIMING, retry: { initialMs: 10, maxMs: 40 } };

interface Cache {
  hits: number;
}

/** An app owning what it is given, with a route that reads the cache only when it is there. */
function appWith(...resources: Resource<unknown>[]): AppFactory & { handles: ResourceHandle<unknown>[] } {
  const handles: ResourceHandle<unknown>[] = [];
  const factory: AppFactory = (ctx) => {
    for (const resource of resources) handles.push(ctx.resources.register(resource));
    const cache = handles.find((h) => h.name === 'cache') as ResourceHandle<Cache>;
    const app = express();
    ctx.http.install(app);
    app.get('/page', (_req, res) => {
      res.json({ cache: cache.available ? 'attached' : 'unavailable' });
    });
    app.get('/hits', (_req, res) => {
      cache.value.hits += 1;
      res.json({ hits: cache.value.hits });
    });
    app.use(notFound);
    app.use(errorHandler({ production: true, log: ctx.log }));
    return app;
  };
  return Object.assign(factory, { handles });
}

/** A promise the test resolves by hand. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

/** An open that settles only when the process stops, as a connect to a host that never answers. */
const untilAborted = (signal: AbortSignal, onAbort = () => {}) =>
  new Promise<never>((_, reject) => {
    const stop = () => {
      onAbort();
      reject(signal.reason);
    };
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop);
  });

describe('an optional resource', () => {
  it('whose open fails: the app serves at once, /readyz stays 200 naming it, and it is retried until it opens', async (t) => {
    const capture = capturedLog();
    let up = false;
    let attempts = 0;
    const app = appWith({
      name: 'cache',
      optional: true,
      open: () => {
        attempts += 1;
        if (!up) throw new Error('connect ECONNREFUSED 127.0.0.1:6390');
        return { hits: 0 };
      },
      close: () => {},
    });
    const { url } = await startApp(t, { app, log: capture.log, resourceTiming: FAST });

    const degraded = await request(`${url}/readyz`);
    assert.deepEqual([degraded.status, degraded.json()], [200, { status: 'ready', degraded: ['cache'] }]);
    assert.deepEqual((await request(`${url}/page`)).json(), { cache: 'unavailable' });
    const hits = await request(`${url}/hits`);
    assert.deepEqual(
      [hits.status, hits.json()],
      [503, { error: 'Service Unavailable', message: 'resource "cache" is not open: try again shortly' }],
      'reading it anyway is a 503 the client may retry, not a 500',
    );
    const [warning, ...more] = capture.find(
      'optional resource did not open: serving without it, retrying in the background',
    );
    assert.equal(warning?.level, 'warn');
    assert.equal(warning?.resource, 'cache');
    assert.equal(warning?.cause, 'connect ECONNREFUSED 127.0.0.1:6390');
    assert.equal(more.length, 0, 'one warning, not one per attempt');

    // Retried after each failure, each at debug only.
    await capture.waitFor('optional resource still unavailable', { resource: 'cache', level: 'debug' }, 2);
    up = true;
    const opened = await capture.waitFor('optional resource open: no longer serving without it', { resource: 'cache' });
    assert.equal(opened.level, 'info');
    assert.ok(attempts >= 3, `opened at attempt ${attempts}`);
    assert.deepEqual((await request(`${url}/readyz`)).json(), { status: 'ready' });
    assert.deepEqual((await request(`${url}/page`)).json(), { cache: 'attached' });
    assert.deepEqual((await request(`${url}/hits`)).json(), { hits: 1 });
    assert.equal(
      capture.lines.filter((l) => l.resource === 'cache' && l.level !== 'debug' && l.level !== 'info').length,
      1,
    );
  });

  it('still opening at its bound: the app serves, and that same open is awaited rather than a second one started', async (t) => {
    const capture = capturedLog();
    const slow = deferred<Cache>();
    let attempts = 0;
    const app = appWith({
      name: 'cache',
      optional: true,
      openTimeoutMs: 50,
      open: () => {
        attempts += 1;
        return slow.promise;
      },
      close: () => {},
    });
    const { url } = await startApp(t, { app, log: capture.log, resourceTiming: FAST });
    assert.deepEqual((await request(`${url}/readyz`)).json(), { status: 'ready', degraded: ['cache'] });
    const [warning] = capture.find('optional resource did not open: serving without it, retrying in the background');
    assert.equal(warning?.cause, 'opening resource "cache" took longer than 50 ms');

    slow.resolve({ hits: 0 });
    await capture.waitFor('optional resource open: no longer serving without it', { resource: 'cache' });
    assert.equal(attempts, 1, 'one client, not one per retry');
    assert.deepEqual((await request(`${url}/readyz`)).json(), { status: 'ready' });
  });

  it('an open pending past a few seconds says once what the boot waits for, and how much longer', async (t) => {
    const capture = capturedLog();
    const timing: ResourceTiming = { ...FAST, noticeAfterMs: 30 };
    const app = appWith({ name: 'cache', optional: true, openTimeoutMs: 200, open: untilAborted, close: () => {} });
    await startApp(t, { app, log: capture.log, resourceTiming: timing });
    const notices = capture.find('waiting for a resource to open');
    assert.equal(notices.length, 1);
    const { level, msg, time, ...fields } = notices[0]!;
    assert.equal(level, 'info');
    assert.deepEqual(fields, {
      resource: 'cache',
      waitedMs: 30,
      waitsUpToMs: 200,
      ifStillPending: 'serves without it',
    });
  });

  it('the check failing: /readyz stays 200 and names it, logged once on the way down and once on the way back', async (t) => {
    const capture = capturedLog();
    let cacheUp = true;
    let dbUp = true;
    const app = appWith(
      {
        name: 'db',
        open: () => ({}),
        close: () => {},
        check: () => {
          if (!dbUp) throw new Error('password authentication failed: postgres://app:hunter2@db/app');
        },
      },
      {
        name: 'cache',
        optional: true,
        open: () => ({ hits: 0 }),
        close: () => {},
        check: () => {
          if (!cacheUp) throw new Error('The client is offline');
        },
      },
    );
    const { url } = await startApp(t, { app, log: capture.log });
    assert.deepEqual((await request(`${url}/readyz`)).json(), { status: 'ready' });

    cacheUp = false;
    for (const _ of [1, 2]) {
      const res = await request(`${url}/readyz`);
      assert.deepEqual([res.status, res.json()], [200, { status: 'ready', degraded: ['cache'] }]);
    }
    assert.deepEqual((await request(`${url}/page`)).json(), { cache: 'unavailable' });
    assert.deepEqual((await request(`${url}/hits`)).json(), { hits: 1 }, 'its value is still there to try');
    const down = capture.find('optional resource check failed: serving without it, /readyz stays 200');
    assert.deepEqual(
      down.map((l) => [l.level, l.resource, l.cause]),
      [['warn', 'cache', 'The client is offline']],
    );

    dbUp = false;
    const both = await request(`${url}/readyz`);
    assert.deepEqual(
      [both.status, both.json()],
      [503, { status: 'unavailable', failing: ['db'], degraded: ['cache'] }],
      'only a required resource takes the process out of service',
    );
    assert.doesNotMatch(both.body, /hunter2|offline/, 'names only');

    dbUp = true;
    cacheUp = true;
    assert.deepEqual((await request(`${url}/readyz`)).json(), { status: 'ready' });
    assert.deepEqual(
      capture.find('resource check passes again').map((l) => l.resource),
      ['db', 'cache'],
    );
    assert.deepEqual((await request(`${url}/page`)).json(), { cache: 'attached' });
  });
});

describe('stopping while an open is pending', () => {
  it('aborts it, so the half-open client can be destroyed, and still closes what did open', async () => {
    const record: string[] = [];
    const resources = createResources(capturedLog().log, FAST);
    resources.register({ name: 'db', open: () => 'pool', close: () => void record.push('closed db') });
    resources.register({
      name: 'cache',
      optional: true,
      openTimeoutMs: 20,
      open: (signal) => untilAborted(signal, () => record.push('aborted cache')),
      close: () => void record.push('closed cache'),
    });
    await resources.openAll(5_000);
    // A deadline far off: if the abort did not reach the open, this would wait for it.
    assert.equal(await resources.closeAll(performance.now() + 60_000), true);
    assert.deepEqual(record, ['aborted cache', 'closed db']);
  });

  it('an open that yields its value anyway has that value closed', async () => {
    const record: string[] = [];
    const resources = createResources(capturedLog().log, FAST);
    resources.register({
      name: 'cache',
      optional: true,
      openTimeoutMs: 20,
      open: (signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve('late client'))),
      close: (value) => void record.push(`closed ${value}`),
    });
    await resources.openAll(5_000);
    assert.equal(await resources.closeAll(performance.now() + 60_000), true);
    assert.deepEqual(record, ['closed late client']);
  });

  it('a required open pending at boot is aborted too, and the boot ends quietly rather than failing', async () => {
    const capture = capturedLog();
    const resources = createResources(capture.log, FAST);
    const started = deferred<void>();
    let aborted = false;
    resources.register({
      name: 'db',
      open: (signal) => {
        started.resolve();
        return untilAborted(signal, () => {
          aborted = true;
        });
      },
      close: () => {},
    });
    const booting = resources.openAll(60_000);
    await started.promise;
    await resources.closeAll(performance.now() + 60_000);
    await booting;
    assert.equal(aborted, true);
    assert.equal(capture.lines.filter((l) => l.level === 'warn' || l.level === 'error').length, 0);
  });

  it('stops retrying in the background: no timer of its own is left to hold the process open', async () => {
    const capture = capturedLog();
    const resources = createResources(capture.log, FAST);
    let attempts = 0;
    resources.register({
      name: 'cache',
      optional: true,
      open: () => {
        attempts += 1;
        throw new Error('connect ECONNREFUSED');
      },
      close: () => {},
    });
    await resources.openAll(5_000);
    await capture.waitFor('optional resource still unavailable');
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const waiting = timers();
    assert.ok(waiting >= 1, 'the wait before the next attempt');
    assert.equal(await resources.closeAll(performance.now() + 60_000), true);
    assert.equal(timers(), waiting - 1);
    assert.ok(attempts >= 1);
  });
});
