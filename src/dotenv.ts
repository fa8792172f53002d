// `.env` is for development: on a platform the real environment is the configuration. So the
// file is never read when NODE_ENV=production is in the real environment, even if one ships
// in the slug, and where it is read, a variable already set wins over the file's.
import { readFileSync } from 'node:fs';
import dotenv from 'dotenv';

/** Fills `env` from the file, quietly; returns the names the file set. A missing file is fine. */
export function loadDotenv(env: NodeJS.ProcessEnv, file: string): readonly string[] {
  if (env.NODE_ENV === 'production') return [];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return Object.keys(dotenv.populate(env, dotenv.parse(text)));
}
