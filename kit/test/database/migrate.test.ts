// `npm run migrate` (the release phase), against a real PostgreSQL, in copies of the kit with
// migrations of the tests' own.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { needsDemo } from '../helpers/demo.ts';
import { kitWithMigrations, type Migrated, migrate, sql } from '../helpers/migrations.ts';
import { admin, freshDatabase, needsPostgres } from '../helpers/postgres.ts';

const run = promisify(execFile);
/** The one line a run ends with: what it did, or why it did not. */
const last = (done: Migrated) => done.lines.at(-1)?.msg;
const tableOf = async (url: string, table: string) =>
  (await admin<{ t: string | null }>('select to_regclass($1)::text as t', url, [table]))[0]?.t;

const NOTES = { '1700000000000_notes.sql': sql('create table notes (id int);', 'drop table notes;') };

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

  it(
    "a bad value of the app's own variables fails the release, before anything is applied",
    needsPostgres,
    async (t) => {
      const url = await freshDatabase(t);
      const kit = await kitWithMigrations(t, NOTES);
      await writeFile(
        path.join(kit, 'src', 'app', 'variables.ts'),
        "export const variables = { PAGE_SIZE: { type: 'integer', min: 1, max: 100, default: 20, description: 'Notes per page.' } } as const;\n",
      );
      const done = await migrate(kit, { DATABASE_URL: url, PAGE_SIZE: '500' });
      assert.equal(done.code, 1);
      assert.equal(
        done.stderr,
        'Configuration error: PAGE_SIZE="500" is not valid: expected a whole number from 1 to 100\n',
      );
      assert.equal(await tableOf(url, 'notes'), null);
    },
  );

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

describe('migrations', needsPostgres, () => {
  it('applies them once, oldest first; run again, it is a no-op', async (t) => {
    const url = await freshDatabase(t);
    const kit = await kitWithMigrations(t, {
      '1700000000001_tags.sql': sql('create table tags (note int references notes (id));', 'drop table tags;'),
      '1700000000000_notes.sql': sql('create table notes (id int primary key);', 'drop table notes;'),
    });
    const first = await migrate(kit, { DATABASE_URL: url });
    assert.equal(last(first), 'migrate: applied 2', first.stdout + first.stderr);
    assert.deepEqual(first.lines.at(-1)?.migrations, ['1700000000000_notes', '1700000000001_tags']);
    const second = await migrate(kit, { DATABASE_URL: url });
    assert.equal(last(second), 'migrate: the schema is up to date');
    assert.equal(await tableOf(url, 'tags'), 'tags');
  });

  it('a migration that fails exits 1 with one clear line, and what it did is rolled back', async (t) => {
    const url = await freshDatabase(t);
    const kit = await kitWithMigrations(t, {
      '1700000000000_broken.sql': sql('create table half (id int);\ncreate table half (id int);'),
    });
    const failed = await migrate(kit, { DATABASE_URL: url });
    assert.equal(failed.code, 1);
    const errors = failed.lines.filter((l) => l.level === 'error');
    assert.deepEqual(
      errors.map((l) => l.msg),
      ['migrate failed in 1700000000000_broken: relation "half" already exists'],
    );
    assert.equal(await tableOf(url, 'half'), null);
  });

  it('without DATABASE_URL there is nothing to do, and the release does not fail', async (t) => {
    const done = await migrate(await kitWithMigrations(t, NOTES), {});
    assert.equal(done.code, 0);
    assert.equal(last(done), 'migrate: no DATABASE_URL, nothing to migrate');
  });

  it('refuses, in one line, a new migration older than one already applied', async (t) => {
    const url = await freshDatabase(t);
    const kit = await kitWithMigrations(t, NOTES);
    assert.equal((await migrate(kit, { DATABASE_URL: url })).code, 0);
    // Written on a branch before notes was merged and deployed.
    await writeFile(path.join(kit, 'migrations', '1600000000000_old.sql'), sql('create table old (id int);'));
    const refused = await migrate(kit, { DATABASE_URL: url });
    assert.equal(refused.code, 1);
    assert.match(
      String(last(refused)),
      /^migrate refused: migrations\/1600000000000_old\.sql is older than 1700000000000_notes, which is already applied: rename it with a newer timestamp, such as \d{13}_old\.sql$/,
    );
    assert.equal(await tableOf(url, 'old'), null);
  });

  it('refuses a migration file whose name has no timestamp, naming it', async (t) => {
    const kit = await kitWithMigrations(t, { 'add-notes.sql': sql('create table notes (id int);') });
    const refused = await migrate(kit, { DATABASE_URL: 'postgres://postgres@127.0.0.1/unused' });
    assert.equal(refused.code, 1);
    assert.equal(
      last(refused),
      'migrate refused: migrations/add-notes.sql has no timestamp: expected <timestamp>_<name>.sql (npm run migration:new -- <name> makes one)',
    );
  });
});

describe("the demo's migration, beside the demo", { skip: needsPostgres.skip ?? needsDemo.skip }, () => {
  const removeDemo = (kit: string) =>
    run('npm', ['run', '--silent', 'remove-demo'], { cwd: kit, env: { PATH: process.env.PATH } });

  it("is applied with the app's, in the order of their timestamps", async (t) => {
    const url = await freshDatabase(t);
    const kit = await kitWithMigrations(t, NOTES, { demo: true });
    const done = await migrate(kit, { DATABASE_URL: url });
    assert.deepEqual(done.lines.at(-1)?.migrations, ['1700000000000_notes', '1764633600000_visits']);
  });

  it('is gone after npm run remove-demo: a fresh database gets no demo table', async (t) => {
    const url = await freshDatabase(t);
    const kit = await kitWithMigrations(t, NOTES, { demo: true });
    await removeDemo(kit);
    const done = await migrate(kit, { DATABASE_URL: url });
    assert.deepEqual(done.lines.at(-1)?.migrations, ['1700000000000_notes']);
    assert.equal(await tableOf(url, 'visits'), null);
  });

  it('applied before npm run remove-demo, it does not stop the next migrations', async (t) => {
    const url = await freshDatabase(t);
    const kit = await kitWithMigrations(t, NOTES, { demo: true });
    assert.equal((await migrate(kit, { DATABASE_URL: url })).code, 0);
    await removeDemo(kit);
    await writeFile(path.join(kit, 'migrations', '1800000000000_tags.sql'), sql('create table tags (id int);'));
    const done = await migrate(kit, { DATABASE_URL: url });
    assert.equal(done.code, 0, done.stdout);
    assert.deepEqual(done.lines.at(-1)?.migrations, ['1800000000000_tags']);
  });
});

describe('npm run migration:new', () => {
  const create = (kit: string, ...args: string[]) =>
    run('npm', ['run', '--silent', 'migration:new', '--', ...args], { cwd: kit, env: { PATH: process.env.PATH } }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

  it("writes migrations/<now>_<name>.sql in the kit's format, and says where", async (t) => {
    const kit = await kitWithMigrations(t, {});
    const before = Date.now();
    const made = await create(kit, 'add-notes');
    const after = Date.now();
    assert.equal(made.code, 0, made.stderr);
    const [, file, stamp] =
      /^migration:new: wrote (migrations\/(\d+)_add-notes\.sql): write its SQL, then npm run migrate\n$/.exec(
        made.stdout,
      ) ?? assert.fail(made.stdout);
    assert.ok(Number(stamp) >= before && Number(stamp) <= after, 'named with the time it was made');
    assert.match(
      await readFile(path.join(kit, file as string), 'utf8'),
      /^-- Up Migration\n[\s\S]*\n-- Down Migration\n/,
    );
  });

  it('makes a file that npm run migrate applies once its SQL is written', needsPostgres, async (t) => {
    const kit = await kitWithMigrations(t, {});
    const [, file] = /wrote (\S+\.sql)/.exec((await create(kit, 'add-notes')).stdout) ?? assert.fail('no file');
    const where = path.join(kit, file as string);
    const text = await readFile(where, 'utf8');
    await writeFile(where, text.replace('\n-- Down Migration', '\ncreate table notes (id int);\n\n-- Down Migration'));
    const url = await freshDatabase(t);
    const done = await migrate(kit, { DATABASE_URL: url });
    assert.deepEqual(done.lines.at(-1)?.migrations, [path.basename(where, '.sql')], done.stdout);
    assert.equal(await tableOf(url, 'notes'), 'notes');
  });

  for (const [what, args, expected] of [
    ['no name', [], 'the name is missing'],
    ['a space', ['add notes'], 'name "add notes" is not valid'],
    ['two words', ['add', 'notes'], 'name "add notes" is not valid'],
    ['a slash', ['../escape'], 'name "../escape" is not valid'],
  ] as const) {
    it(`refuses ${what} in one line, writing nothing`, async (t) => {
      const kit = await kitWithMigrations(t, {});
      const refused = await create(kit, ...args);
      assert.equal(refused.code, 1);
      assert.equal(
        refused.stderr,
        `migration:new: ${expected}: expected one name of letters, digits, '-' and '_', as in npm run migration:new -- add-notes\n`,
      );
      assert.deepEqual(await readdir(path.join(kit, 'migrations')), []);
    });
  }
});
