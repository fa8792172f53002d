// Which migration files there are, and whether they may run: migrations/ is the app's, and the
// teaching surface keeps its own beside its code (src/demo/migrations/), so that
// `npm run remove-demo` takes the demo's table away with the rest of the demo.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { compareMigrationFileNames } from 'node-pg-migrate/utils/comparators';

/** The files node-pg-migrate loads: SQL, or a module exporting `up` and `down`. */
const EXTENSIONS = new Set(['.sql', '.js', '.cjs', '.mjs', '.ts', '.cts', '.mts']);

export interface MigrationFile {
  /** As pgmigrations records it: the file's name without its extension. */
  readonly name: string;
  readonly file: string;
}

/** The app's migrations, then the demo's while it is there. A folder that is missing holds none. */
export function migrationDirs(root: string): string[] {
  return [path.join(root, 'migrations'), path.join(root, 'src', 'demo', 'migrations')];
}

/** A file in a migrations folder whose name does not say when it was made. */
export class MigrationNameError extends Error {}

/** Every migration in `dirs`, oldest first, in the order node-pg-migrate applies them. */
export async function migrationFiles(dirs: readonly string[], root: string): Promise<MigrationFile[]> {
  const files: MigrationFile[] = [];
  for (const dir of dirs) {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const entry of entries) {
      const extension = path.extname(entry);
      // Dot files, as node-pg-migrate skips them, and anything else kept there (a README).
      if (entry.startsWith('.') || !EXTENSIONS.has(extension)) continue;
      const file = path.join(dir, entry);
      if (!/^\d+_/.test(entry)) {
        throw new MigrationNameError(
          `${path.relative(root, file)} has no timestamp: expected <timestamp>_<name>${extension} (npm run migration:new -- <name> makes one)`,
        );
      }
      files.push({ name: path.basename(entry, extension), file });
    }
  }
  return files.sort((a, b) => compareMigrationFileNames(path.basename(a.file), path.basename(b.file)));
}

/**
 * Why these files may not run on a database that has applied `applied`, or undefined. A
 * migration older than one already applied was written against a schema that did not have it
 * yet, so it is refused, as node-pg-migrate's checkOrder would. Unlike checkOrder, an applied
 * migration whose file is gone (the demo's, after remove-demo) is left alone.
 */
export function outOfOrder(
  files: readonly MigrationFile[],
  applied: readonly string[],
  root: string,
  now: number,
): string | undefined {
  const done = new Set(applied);
  const newest = files.findLast((f) => done.has(f.name));
  if (newest === undefined) return undefined;
  const late = files.slice(0, files.indexOf(newest)).find((f) => !done.has(f.name));
  if (late === undefined) return undefined;
  const renamed = `${now}${path.basename(late.file).replace(/^\d+/, '')}`;
  return `${path.relative(root, late.file)} is older than ${newest.name}, which is already applied: rename it with a newer timestamp, such as ${renamed}`;
}

type Logger = { debug(msg: string): void; info(msg: string): void; warn(msg: string): void; error(msg: string): void };

/**
 * What the release phase and a test's database both run node-pg-migrate with: exactly these
 * files, in pgmigrations, the lock and the order check being the caller's (outOfOrder above).
 */
export function runnerOptions(files: readonly MigrationFile[], logger: Logger) {
  return {
    // Several folders only as glob patterns: each file's own path, escaped, matches it alone.
    dir: files.map((f) => f.file.replace(/[*?[\]{}()!+@\\]/g, '\\$&')),
    useGlob: true,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    noLock: true,
    checkOrder: false,
    logger,
  } as const;
}

/**
 * Applies the app's migrations (and the demo's while it is there) to `url`, as the release phase
 * does, for a database of a test's own: nobody else migrates it, so no lock and no order check.
 */
export async function applyMigrations(url: string, root: string): Promise<string[]> {
  const { runner } = await import('node-pg-migrate');
  const files = await migrationFiles(migrationDirs(root), root);
  if (files.length === 0) return [];
  const quiet = () => {};
  const applied = await runner({
    databaseUrl: url,
    ...runnerOptions(files, { debug: quiet, info: quiet, warn: quiet, error: quiet }),
  });
  return applied.map((m) => m.name);
}
