// Migrations of the tests' own, in a copy of the kit, so what a test applies never depends on
// the migrations a user has added to migrations/.
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';
import { copyOfKit, type LogLine } from './process.ts';

const run = promisify(execFile);

/** A migration file in the kit's format. */
export const sql = (up: string, down = '') => `-- Up Migration\n${up}\n\n-- Down Migration\n${down}\n`;

/**
 * A copy of the kit whose migrations/ holds `files` alone; without `demo`, the demo's
 * migrations (src/demo/migrations/) are removed from it too.
 */
export async function kitWithMigrations(
  t: TestContext,
  files: Record<string, string>,
  { demo = false } = {},
): Promise<string> {
  const kit = await copyOfKit(t);
  await mkdir(path.join(kit, 'migrations'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(kit, 'migrations', name), text);
  if (!demo) await rm(path.join(kit, 'src', 'demo', 'migrations'), { recursive: true, force: true });
  return kit;
}

export interface Migrated {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout's JSON lines. */
  readonly lines: LogLine[];
}

/** What `npm run migrate` runs, in `kit`, as the release phase runs it; settles with its exit code, even a failing one. */
export async function migrate(kit: string, env: Record<string, string | undefined>): Promise<Migrated> {
  const done = await run(process.execPath, [path.join(kit, 'scripts', 'migrate.ts')], {
    cwd: kit,
    env: { PATH: process.env.PATH, LOG_FORMAT: 'json', ...env },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
    }),
  );
  const lines = done.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
  return { ...done, lines };
}
