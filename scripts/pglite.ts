// `npm run start:pglite`: the app with an embedded PostgreSQL (PGlite, behind its socket
// server), to try the database parts without installing one. For development only: PGlite is a
// database inside this one process, kept in .pglite/, and its packages are devDependencies.
// Migrates, then starts the app as `npm start` does, with DATABASE_URL pointing here; signals go
// to whichever of the two runs, and the database stops only after it has exited (the app
// after draining and closing its pools).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { variables } from '../src/app/variables.ts';
import { loadEnvironment } from '../src/runtime/environment.ts';
import { onSignals } from '../src/runtime/signals.ts';

const ROOT = path.join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: { port: { type: 'string', default: '5433' }, dir: { type: 'string', default: '.pglite' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(
    `start:pglite: --port=${JSON.stringify(values.port)} is not valid: expected a whole number from 1 to 65535\n`,
  );
  process.exit(1);
}

const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
// As start.ts reads it, .env included, with DATABASE_URL pointing here whatever the file says:
// a bad value stops it before the database is made, and the children inherit what it set.
process.env.DATABASE_URL = url;
const read = loadEnvironment(process.env, path.join(ROOT, '.env'), variables);
if (!read.ok) {
  process.stderr.write(`${read.message}\n`);
  process.exit(1);
}

let modules: [typeof import('@electric-sql/pglite'), typeof import('@electric-sql/pglite-socket')];
try {
  modules = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite-socket')]);
} catch {
  process.stderr.write(
    'start:pglite: PGlite is a devDependency: run `npm ci` (not --omit=dev); it is never for production\n',
  );
  process.exit(1);
}
const [{ PGlite }, { PGLiteSocketServer }] = modules;

// The first start makes the database, which takes several seconds: say so before the wait.
process.stdout.write(`start:pglite: opening PGlite in ${values.dir}/ (the first time, it is created: a few seconds)\n`);
const db = await PGlite.create(path.resolve(ROOT, values.dir));
// More than the app's budget: the pools, the migration and a psql of your own.
const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 32 });
await server.start();
process.stdout.write(`start:pglite: PGlite in ${values.dir}/ listening as ${url} (development only)\n`);

const stop = async (code: number): Promise<never> => {
  await server.stop();
  await db.close();
  process.exit(code);
};

// Each child in a group of its own, so a signal reaches it once, from here, not also from the
// terminal; the database closes after the child exits. A stop during the migration stops it
// (it rolls back) and the app never starts.
let child = spawn(process.execPath, [path.join(ROOT, 'scripts/migrate.ts')], {
  stdio: 'inherit',
  detached: true,
});
let stopping = false;
onSignals({
  shutdown: (signal) => {
    stopping = true;
    child.kill(signal);
  },
  force: (signal) => child.kill(signal),
  reload: () => child.kill('SIGHUP'),
});
const [migrated] = (await once(child, 'exit')) as [number | null];
if (migrated !== 0 || stopping) await stop(migrated ?? 1);

child = spawn(process.execPath, [path.join(ROOT, 'start.ts')], { stdio: 'inherit', detached: true });
const [code] = (await once(child, 'exit')) as [number | null];
await stop(code ?? 1);
