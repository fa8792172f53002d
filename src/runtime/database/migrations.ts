// The app's schema changes: migrations/ (yours), then the teaching surface's own while it is
// there, applied in name order by node-pg-migrate, each in a transaction, one process at a time.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import type { TlsOptions } from './settings.ts';

const ROOT = path.join(import.meta.dirname, '..', '..', '..');

/** The folders migrations are read from: yours, and the demo's until `npm run remove-demo`. */
export function migrationDirs(root = ROOT): string[] {
  const demo = path.join(root, 'src', 'demo', 'migrations');
  return [path.join(root, 'migrations'), ...(existsSync(demo) ? [demo] : [])];
}

export interface MigrationTarget {
  readonly url: string;
  readonly tls: TlsOptions;
  /** node-pg-migrate's progress lines; silent unless given. */
  readonly progress?: (line: string) => void;
  readonly warn?: (line: string) => void;
}

/** Applies what has not run yet; the names of the migrations it applied. */
export async function applyMigrations(target: MigrationTarget): Promise<string[]> {
  const progress = target.progress ?? (() => {});
  const applied = await runner({
    databaseUrl: { connectionString: target.url, ssl: target.tls === false ? false : { ...target.tls } },
    // Several folders only as globs, in node-pg-migrate 9.
    dir: migrationDirs().map((dir) => path.join(dir, '*.sql')),
    useGlob: true,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    // Each migration in a transaction of its own, and one process at a time: a second release
    // waits for the first, then finds nothing left to do.
    advisoryLockMode: 'wait',
    checkOrder: true,
    logger: { debug: progress, info: progress, warn: target.warn ?? progress, error: progress },
  });
  return applied.map((m) => m.name);
}
