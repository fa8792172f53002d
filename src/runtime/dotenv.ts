// `.env` is for development: on a platform the real environment is the configuration. So the
// file is never read when NODE_ENV=production is in the real environment, even if one ships
// in the slug, nor under NODE_ENV=test, so that a test run gets exactly the environment it
// gives whatever a developer's .env holds; where it is read, a variable already set wins.
import { createRequire } from 'node:module';
import type Dotenv from 'dotenv';

// Node's fs without `import ... from 'node:fs'`: docs/architecture.md, "Node's http and fs".
const { readFileSync } = process.getBuiltinModule('node:fs');

/** Fills `env` from the file, quietly; returns the names the file set. A missing file is fine. */
export function loadDotenv(env: NodeJS.ProcessEnv, file: string): readonly string[] {
  if (env.NODE_ENV === 'production' || env.NODE_ENV === 'test') return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  // Required only when there is a file to read: a primary in production loads no npm package
  // (and not the CommonJS loader one would bring), so its memory stays near bare Node's.
  const dotenv = createRequire(import.meta.url)('dotenv') as typeof Dotenv;
  return Object.keys(dotenv.populate(env, dotenv.parse(text)));
}
