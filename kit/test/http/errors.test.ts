import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import express from 'express';
import { errorHandler, notFound } from '../../../src/app/errors.ts';
import { DatabaseUnavailable } from '../../../src/runtime/database/pool.ts';
import { silentLog } from '../helpers/app-server.ts';
import { request } from '../helpers/http.ts';

/** The app's real error handler behind a route that fails the way user code does. */
async function failingApp(t: TestContext, production: boolean) {
  const app = express();
  app.get('/async', async () => {
    await Promise.resolve();
    throw new Error('database is down');
  });
  app.get('/sync', () => {
    throw Object.assign(new Error('bad thing'), { status: 422, expose: true });
  });
  app.get('/unavailable', () => {
    throw new DatabaseUnavailable(new Error('connect ECONNREFUSED 10.0.0.5:5432'));
  });
  app.use(notFound);
  app.use(errorHandler({ production, log: silentLog }));
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('errors', () => {
  it('a rejected promise becomes a 500 JSON with no stack in production', async (t) => {
    const url = await failingApp(t, true);
    const res = await request(`${url}/async`);
    assert.equal(res.status, 500);
    assert.deepEqual(res.json(), { error: 'Internal Server Error' });
    assert.doesNotMatch(res.body, /database is down|at /);
  });

  it('outside production, the message and stack help the developer', async (t) => {
    const url = await failingApp(t, false);
    const body = (await request(`${url}/async`)).json() as { message: string; stack: string[] };
    assert.equal(body.message, 'database is down');
    assert.ok(body.stack.some((line) => line.includes('errors.test.ts')));
  });

  for (const production of [true, false]) {
    it(`a client error keeps its status and message, with no stack (${production ? 'production' : 'development'})`, async (t) => {
      const url = await failingApp(t, production);
      const res = await request(`${url}/sync`);
      assert.equal(res.status, 422);
      assert.deepEqual(res.json(), { error: 'Unprocessable Entity', message: 'bad thing' });
    });
  }

  for (const production of [true, false]) {
    it(`a 503 marked for the client says what to do, with no stack and no cause (${production ? 'production' : 'development'})`, async (t) => {
      const url = await failingApp(t, production);
      const res = await request(`${url}/unavailable`);
      assert.equal(res.status, 503);
      assert.deepEqual(res.json(), {
        error: 'Service Unavailable',
        message: 'the database is unavailable: try again shortly',
      });
    });
  }
});
