// Tests src/app/routes/home.ts: one file per source file, named after it.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { startApp, testDatabase, whenPostgres } from '../helpers.ts';

// Asking for JSON: while the teaching surface is mounted, its page answers browsers at /.
const json = { headers: { accept: 'application/json' } };

test('GET / says the app runs, with no database and no cache attached', async (t) => {
  const app = await startApp(t);
  const res = await fetch(`${app.url}/`, json);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    status: 'running',
    database:
      'no database attached (DATABASE_URL is unset): heroku addons:create heroku-postgresql:essential-0 attaches one',
    cache: 'no Redis attached (REDIS_URL is unset): heroku addons:create heroku-redis:mini attaches one',
    next: 'add your routes in src/app/routes/ and mount them in src/app/app.ts',
  });
});

test('GET / says a database is attached, without saying where', whenPostgres, async (t) => {
  const app = await startApp(t, { env: { DATABASE_URL: await testDatabase(t) } });
  const res = await fetch(`${app.url}/`, json);
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { database: string }).database, 'attached');
});

test('GET / says the database is unavailable once its check fails, as /readyz does', async (t) => {
  // A port where nothing listens: the database is down.
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  const app = await startApp(t, { env: { DATABASE_URL: `postgres://app@127.0.0.1:${port}/app` } });
  assert.equal((await fetch(`${app.url}/readyz`)).status, 503);
  const res = await fetch(`${app.url}/`, json);
  assert.equal(((await res.json()) as { database: string }).database, 'unavailable');
});
