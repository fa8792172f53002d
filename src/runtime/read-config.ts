// How every entry file (start.ts, npm run migrate, npm run start:pglite) reads its
// configuration: `.env` first, outside production (src/runtime/dotenv.ts), then the variables,
// so a bad value in the file stops it with the same one line as any other, saying where it came from.
import { type Config, ConfigError, loadConfig } from './config.ts';
import { loadDotenv } from './dotenv.ts';

/** The config, or the one line to stop with (the caller prints it and exits 1). Fills `env` from the file. */
export function readConfig(env: NodeJS.ProcessEnv, dotenvPath: string): { config: Config } | { error: string } {
  const fromDotenv = loadDotenv(env, dotenvPath);
  try {
    return { config: loadConfig(env) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const where = fromDotenv.includes(err.variable) ? ' (set in .env)' : '';
    return { error: `Configuration error: ${err.message}${where}` };
  }
}
