// The PostgreSQL the database route is measured against: the one the tests use (127.0.0.1:5432,
// or TEST_DATABASE_URL). Only `select pg_sleep(0)` runs there, so no database of its own is
// made. Without a server, the database rows say why they are missing.
import pg from 'pg';

export const BENCH_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL when a server answers there, or why not. */
export async function findDatabase(): Promise<{ url: string } | { missing: string }> {
  const client = new pg.Client({ connectionString: BENCH_DATABASE_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return { url: BENCH_DATABASE_URL };
  } catch (err) {
    return { missing: `no PostgreSQL at ${BENCH_DATABASE_URL} (${(err as Error).message}): set TEST_DATABASE_URL` };
  } finally {
    await client.end().catch(() => {});
  }
}
