// `npm run migrate`, and the Procfile's `release:` process: the schema changes in migrations/
// (and the demo's, in src/demo/migrations/), applied once per deploy, before the release takes
// traffic, never by the web workers at boot (where every worker of every dyno would race to
// apply them). Heroku runs it on each new release; a non-zero exit fails the release and the
// running one keeps serving (https://devcenter.heroku.com/articles/release-phase). Running it
// again is a no-op.
import { constants } from 'node:os';
import path from 'node:path';
import { PG_MIGRATE_LOCK_ID, runner } from 'node-pg-migrate';
import pg from 'pg';
import { variables } from '../src/app/variables.ts';
import {
  type MigrationFile,
  MigrationNameError,
  migrationDirs,
  migrationFiles,
  outOfOrder,
  runnerOptions,
} from '../src/runtime/database/migrations.ts';
import { loadEnvironment } from '../src/runtime/environment.ts';
import { processLogger } from '../src/runtime/log/log.ts';
import { onSignals } from '../src/runtime/signals.ts';

const ROOT = path.join(import.meta.dirname, '..');

// As start.ts reads it: .env included, outside production.
// The app's variables too: a bad value fails the release here, and the running release keeps
// serving, instead of the new one's workers failing their boot after it has gone live.
const read = loadEnvironment(process.env, path.join(ROOT, '.env'), variables);
if (!read.ok) {
  process.stderr.write(`${read.message}\n`);
  process.exit(1);
}
const { config } = read;
const log = processLogger(config, 'release');
const { database } = config;
if (database === null) {
  log.info('migrate: no DATABASE_URL, nothing to migrate');
  process.exit(0);
}
const where = { host: database.host, database: database.database };

/** The migration under way, from node-pg-migrate's own progress lines: a failure names it. */
let current: string | undefined;
const progress = (msg: string) => {
  current = /### MIGRATION (\S+) \(UP\) ###/.exec(msg)?.[1] ?? current;
  log.debug(msg);
};
// Stopped (a release superseded, a Ctrl+C): exit at once. The migration under way is in a
// transaction that only our COMMIT would end well; with the connection gone PostgreSQL rolls it
// back, and each one before it was committed on its own.
const stopped = (signal: NodeJS.Signals) => {
  const what = current === undefined ? 'no migration had begun' : `${current} is rolled back`;
  log.warn(`migrate: stopped by ${signal}: ${what}; run it again to apply what is left`, where);
  process.exit(128 + (constants.signals[signal] ?? 0));
};
onSignals({ shutdown: stopped, force: stopped, reload: () => {} });

/** One line that says what failed, and exit 1: the stack adds nothing a migration's author can use here. */
function fail(message: string): never {
  log.error(message, where);
  process.exit(1);
}

/** What pgmigrations records as applied; nothing before the first run has made the table. */
async function appliedNames(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ found: boolean }>(
    "select to_regclass('public.pgmigrations') is not null as found",
  );
  if (!rows[0]?.found) return [];
  return (await client.query<{ name: string }>('select name from public.pgmigrations')).rows.map((row) => row.name);
}

let files: MigrationFile[];
try {
  files = await migrationFiles(migrationDirs(ROOT), ROOT);
} catch (err) {
  if (!(err instanceof MigrationNameError)) throw err;
  fail(`migrate refused: ${err.message}`);
}

const started = performance.now();
const client = new pg.Client({
  connectionString: database.url,
  ssl: database.tls === false ? false : { ...database.tls },
});
try {
  await client.connect();
  // One process at a time, with node-pg-migrate's own lock: a second release waits for the
  // first, then finds nothing left to do. Held until the connection ends, whatever happens.
  await client.query('select pg_advisory_lock($1)', [PG_MIGRATE_LOCK_ID]);
  // Should this process be stopped mid-statement, the server notices the closed connection
  // within a second (PostgreSQL 14 and later), rolls back and frees the lock, rather than
  // finishing a long statement for nobody. Where the setting does not exist, nothing changes.
  await client.query(
    `do $$ begin perform set_config('client_connection_check_interval', '1000', false); exception when others then null; end $$`,
  );
  const refused = outOfOrder(files, await appliedNames(client), ROOT, Date.now());
  if (refused) fail(`migrate refused: ${refused}`);
  const applied = await runner({
    dbClient: client,
    // Its lines at debug: a failure is said once, below, in one line.
    ...runnerOptions(files, { debug: progress, info: progress, warn: (msg) => log.warn(msg), error: progress }),
  });
  const ms = Math.round(performance.now() - started);
  if (applied.length === 0) log.info('migrate: the schema is up to date', { ...where, ms });
  else log.info(`migrate: applied ${applied.length}`, { migrations: applied.map((m) => m.name), ...where, ms });
} catch (err) {
  fail(`migrate failed${current === undefined ? '' : ` in ${current}`}: ${(err as Error).message}`);
} finally {
  await client.end();
}
