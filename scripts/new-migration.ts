// `npm run migration:new -- add-notes`: a new, empty migration in migrations/, named as
// node-pg-migrate orders them (the time now, in milliseconds), in the kit's SQL format.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(import.meta.dirname, '..');
const ALLOWED = "one name of letters, digits, '-' and '_', as in npm run migration:new -- add-notes";

const TEMPLATE = `-- Up Migration
-- Plain SQL, run once per database: by \`npm run migrate\` here, and by each deploy's release
-- phase before the new release serves. It runs in a transaction of its own and is recorded in
-- pgmigrations. Once it has run anywhere, never edit it: write another. The release still
-- serving runs against the new schema until the new one replaces it, so add before you use,
-- and stop using before you drop. For example:
--   create table notes (id bigint generated always as identity primary key, body text not null);


-- Down Migration
-- What undoes it, should you ever undo it by hand (the kit only migrates up). For example:
--   drop table notes;
`;

function fail(message: string): never {
  process.stderr.write(`migration:new: ${message}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
if (args.length === 0) fail(`the name is missing: expected ${ALLOWED}`);
const name = args.join(' ');
if (args.length > 1 || !/^[A-Za-z0-9_-]+$/.test(name))
  fail(`name ${JSON.stringify(name)} is not valid: expected ${ALLOWED}`);

const file = path.join(ROOT, 'migrations', `${Date.now()}_${name}.sql`);
mkdirSync(path.dirname(file), { recursive: true });
writeFileSync(file, TEMPLATE, { flag: 'wx' });
process.stdout.write(`migration:new: wrote ${path.relative(ROOT, file)}: write its SQL, then npm run migrate\n`);
