// A PostgreSQL database of a test's own, for your app's tests: created empty, migrated as the
// release phase migrates, dropped (connections and all) when the test ends. The server is
// TEST_DATABASE_URL's, else 127.0.0.1:5432 as the postgres user (trust auth, as CI runs it).
// Where none answers, the tests that need one are skipped saying why; under CI=true they fail.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { applyMigrations } from './migrations.ts';

const ROOT = path.join(import.meta.dirname, '..', '..', '..');

export const TEST_SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

const available = await answers(TEST_SERVER_URL);
if (!available && process.env.CI) {
  throw new Error(`CI=true and no PostgreSQL answers at ${redact(TEST_SERVER_URL)}: CI must start one`);
}

/** For `test(name, whenPostgres, fn)`: skipped, saying why, where no server answers. */
export const whenPostgres: { readonly skip?: string } = available
  ? {}
  : {
      skip: `no PostgreSQL at ${redact(TEST_SERVER_URL)}: start one there, or set TEST_DATABASE_URL (see the README's Testing section)`,
    };

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

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
