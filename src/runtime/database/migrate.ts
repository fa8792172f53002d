// `npm run migrate`, and the Procfile's `release:` process: the schema changes in migrations/,
// applied once per deploy, before the release takes traffic, never by the web workers at boot
// (where every worker of every dyno would race to apply them). Heroku runs it on each new
// release; a non-zero exit fails the release and the running one keeps serving
// (https://devcenter.heroku.com/articles/release-phase). Running it again is a no-op.
import { constants } from 'node:os';
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import { processLogger } from '../log/log.ts';
import { readConfig } from '../read-config.ts';
import { onSignals } from '../signals.ts';

const ROOT = path.join(import.meta.dirname, '..', '..', '..');
const MIGRATIONS_DIR = path.join(ROOT, 'migrations');

// As start.ts reads it: .env included, outside production.
const read = readConfig(process.env, path.join(ROOT, '.env'));
if ('error' in read) {
  process.stderr.write(`${read.error}\n`);
  process.exit(1);
}
const { config } = read;
const log = processLogger(config, 'release');
const { database } = config;
if (database === null) {
  log.info('migrate: no DATABASE_URL, nothing to migrate');
  process.exit(0);
}

const started = performance.now();
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
  log.warn(`migrate: stopped by ${signal}: ${what}; run it again to apply what is left`);
  process.exit(128 + (constants.signals[signal] ?? 0));
};
onSignals({ shutdown: stopped, force: stopped, reload: () => {} });
try {
  const applied = await runner({
    databaseUrl: { connectionString: database.url, ssl: database.tls === false ? false : { ...database.tls } },
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    // Each migration in a transaction of its own, and one process at a time: a second release
    // waits for the first, then finds nothing left to do.
    advisoryLockMode: 'wait',
    checkOrder: true,
    // Its lines at debug: a failure is said once, below, in one line.
    logger: { debug: progress, info: progress, warn: (msg) => log.warn(msg), error: progress },
  });
  const ms = Math.round(performance.now() - started);
  if (applied.length === 0)
    log.info('migrate: the schema is up to date', { host: database.host, database: database.database, ms });
  else
    log.info(`migrate: applied ${applied.length}`, {
      migrations: applied.map((m) => m.name),
      host: database.host,
      database: database.database,
      ms,
    });
} catch (err) {
  // One line that says what failed; the stack adds nothing a migration's author can use here.
  const where = current === undefined ? '' : ` in ${current}`;
  log.error(`migrate failed${where}: ${(err as Error).message}`, { host: database.host, database: database.database });
  process.exit(1);
}
