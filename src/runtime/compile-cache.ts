// Node's compile cache: V8 code, and the TypeScript stripper's output, kept on disk between
// runs. With it warm a process never loads the stripper (about 17 MB it would otherwise hold
// for its whole life) and boots faster. A stale or missing cache only costs speed: Node checks
// each entry against the source's hash, and silently carries on when it cannot read or write.
import module from 'node:module';
import path from 'node:path';

/**
 * Inside node_modules: out of git, made on the platform by `npm run build`, and gone with a
 * fresh `npm ci`, like everything else built from the installed packages. The Procfile and the
 * npm scripts name the same directory (kit/test/unit/deploy-files.test.ts holds them to it).
 */
export const COMPILE_CACHE_DIR = path.join(
  import.meta.dirname,
  '..',
  '..',
  'node_modules',
  '.cache',
  'node-compile-cache',
);

/**
 * For a `node start.ts` typed without the Procfile's variables: caches what this process
 * compiles from now on, and, through the environment, everything its workers compile.
 * Portable, so a cache built in one directory still hits after the app moves (Heroku builds
 * in /tmp/build_* and runs the slug at /app).
 */
export function useCompileCache(env: NodeJS.ProcessEnv): void {
  const { directory } = module.enableCompileCache({ directory: COMPILE_CACHE_DIR, portable: true });
  if (directory === undefined || env.NODE_COMPILE_CACHE !== undefined) return;
  env.NODE_COMPILE_CACHE = directory;
  env.NODE_COMPILE_CACHE_PORTABLE = '1';
}
