// How every entry point reads its configuration, the same way: `.env` first (development
// only; see dotenv.ts), then the kit's variables and the app's. A bad value is one line that
// names the variable, the value and what is allowed, ending "(set in .env)" when the file set it.
import { type Config, ConfigError, loadConfig } from './config.ts';
import { loadDotenv } from './dotenv.ts';
import { parseVariables, type VariableSpecs, type VariableValues } from './variables.ts';

export type Loaded<D extends VariableSpecs> =
  | { readonly ok: true; readonly config: Config; readonly vars: VariableValues<D> }
  | { readonly ok: false; readonly message: string };

/**
 * Fills `env` from `dotenvFile` (when given, when it exists, and outside production and tests),
 * then parses it.
 */
export function loadEnvironment<D extends VariableSpecs>(
  env: NodeJS.ProcessEnv,
  dotenvFile: string | null,
  variables: D,
): Loaded<D> {
  const fromDotenv = dotenvFile === null ? [] : loadDotenv(env, dotenvFile);
  try {
    return { ok: true, config: loadConfig(env), vars: parseVariables(variables, env) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const where = fromDotenv.includes(err.variable) ? ' (set in .env)' : '';
    return { ok: false, message: `Configuration error: ${err.message}${where}` };
  }
}
