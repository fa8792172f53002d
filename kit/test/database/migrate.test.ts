// `npm run migrate` (the release phase), against a real PostgreSQL, in copies of the kit with
// migrations of the tests' own.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { kitWithMigrations, migrate, sql } from '../helpers/migrations.ts';
import { admin, freshDatabase, needsPostgres } from '../helpers/postgres.ts';

const NOTES = { '1800000000000_notes.sql': sql('create table notes (id int);', 'drop table notes;') };

describe('.env, read as npm start reads it', () => {
  it('DATABASE_URL only in .env: the migrations are applied there', needsPostgres, async (t) => {
    const url = await freshDatabase(t);
    const kit = await kitWithMigrations(t, NOTES);
    await writeFile(path.join(kit, '.env'), `DATABASE_URL=${url}\n`);
    const done = await migrate(kit, {});
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.ok(
      done.lines.some((l) => l.msg === 'migrate: applied 1'),
      done.stdout,
    );
    assert.deepEqual(await admin("select to_regclass('notes')::text as t", url), [{ t: 'notes' }]);
  });

  it('a bad value in .env stops it with the one line npm start gives, ending (set in .env)', async (t) => {
    const kit = await kitWithMigrations(t, NOTES);
    await writeFile(path.join(kit, '.env'), 'DATABASE_CONNECTION_BUDGET=lots\n');
    const done = await migrate(kit, {});
    assert.equal(done.code, 1);
    assert.equal(
      done.stderr,
      'Configuration error: DATABASE_CONNECTION_BUDGET="lots" is not valid: expected a whole number from 1 to 500 (set in .env)\n',
    );
  });

  it('loses to the real environment, and is not read in production', needsPostgres, async (t) => {
    const url = await freshDatabase(t);
    const kit = await kitWithMigrations(t, NOTES);
    await writeFile(path.join(kit, '.env'), 'DATABASE_URL=postgres://nobody@127.0.0.1:1/nowhere\n');
    const done = await migrate(kit, { DATABASE_URL: url });
    assert.equal(done.code, 0, done.stdout + done.stderr);
    const production = await migrate(kit, { NODE_ENV: 'production' });
    assert.ok(production.lines.some((l) => l.msg === 'migrate: no DATABASE_URL, nothing to migrate'));
  });
});
