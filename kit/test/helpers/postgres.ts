// A real PostgreSQL for the tests that need one: 127.0.0.1:5432 with trust auth, as this
// project's machines and CI run it (.ci/run starts it). Each test gets a database of its own,
// dropped after. Where no server answers, those tests are skipped with one line saying so;
// under CI=true a missing server fails them instead.
import type { TestContext } from 'node:test';
import pg from 'pg';
import { TEST_SERVER_URL as ADMIN_URL, testDatabase } from '../../../src/runtime/database/test-database.ts';
import { tcpProxy } from './tcp-proxy.ts';

// The same server, and the same skip, as the app's own tests (src/runtime/database/test-database.ts).
export {
  TEST_SERVER_URL as ADMIN_URL,
  whenPostgres as needsPostgres,
} from '../../../src/runtime/database/test-database.ts';

/** A fresh, empty database, dropped when the test ends; its URL. */
export const freshDatabase = (t: TestContext) => testDatabase(t, { migrate: false });

/** One statement as the admin, on its own connection. */
export async function admin<R extends pg.QueryResultRow>(
  text: string,
  url = ADMIN_URL,
  values: unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A proxy in front of the server, which a test can cut and restore: a database that goes away and comes back. */
export const databaseProxy = (t: TestContext, target: string) => tcpProxy(t, target, 5432);
