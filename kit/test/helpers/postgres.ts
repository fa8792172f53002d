// A real PostgreSQL for the tests that need one: 127.0.0.1:5432 with trust auth, as this
// project's machines and CI run it (.ci/run starts it). Each test gets a database of its own,
// dropped after. Where no server answers, those tests are skipped with one line saying so;
// under CI=true a missing server fails them instead.
import type { TestContext } from 'node:test';
import pg from 'pg';
import { tcpProxy } from './tcp-proxy.ts';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const available = await reachable();
if (!available && process.env.CI) {
  throw new Error(`CI=true and no PostgreSQL answers at ${ADMIN_URL}: .ci/run should have started it`);
}

/** Options for `it` or `describe`: skipped, with the reason, when no server answers. */
export const needsPostgres: { skip?: string } = available
  ? {}
  : { skip: `no PostgreSQL at ${ADMIN_URL} (set TEST_DATABASE_URL, or see the README's Testing section)` };

/** A fresh database, dropped when the test ends; its URL. */
export async function freshDatabase(t: TestContext): Promise<string> {
  const name = `kit_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await admin(`create database ${name}`);
  t.after(() => admin(`drop database if exists ${name} with (force)`));
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

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
