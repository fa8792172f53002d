// A PostgreSQL database of a test's own, for your app's tests: created empty, migrated as the
// release phase migrates, dropped (connections and all) when the test ends. The server is
// TEST_DATABASE_URL's, else 127.0.0.1:5432 as the postgres user (trust auth, as CI runs it).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { serviceGate } from '../service-gate.ts';
import { applyMigrations } from './migrations.ts';

const ROOT = path.join(import.meta.dirname, '..', '..', '..');

export const TEST_SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** For `test(name, whenPostgres, fn)`: skipped, saying why, where no server answers. */
export const whenPostgres = await serviceGate(
  'PostgreSQL',
  TEST_SERVER_URL,
  async () => {
    const client = new pg.Client({ connectionString: TEST_SERVER_URL, connectionTimeoutMillis: 2_000 });
    await client.connect();
    await client.end();
  },
  "start one there, or set TEST_DATABASE_URL (see the README's Testing section)",
);

async function asAdmin(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_SERVER_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/**
 * A fresh database with the app's migrations applied (`migrate: false` for an empty one);
 * its URL, for DATABASE_URL. Dropped when the test ends, even with connections still open.
 */
export async function testDatabase(t: TestContext, options: { migrate?: boolean } = {}): Promise<string> {
  const name = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await asAdmin(`create database ${name}`);
  t.after(() => asAdmin(`drop database if exists ${name} with (force)`));
  const url = new URL(TEST_SERVER_URL);
  url.pathname = `/${name}`;
  if (options.migrate !== false) await applyMigrations(url.toString(), ROOT);
  return url.toString();
}
