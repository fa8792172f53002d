export type Env = Readonly<Record<string, string | undefined>>;

/** A bad variable: the message names it, the value (or its length, for a secret) and what is allowed. */
export class ConfigError extends Error {
  readonly variable: string;

  /** `value` undefined: the variable is required and unset. */
  constructor(variable: string, value: string | undefined, allowed: string) {
    super(
      value === undefined
        ? `${variable} is not set: expected ${allowed}`
        : `${variable}=${JSON.stringify(value)} is not valid: expected ${allowed}`,
    );
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/**
 * A URL variable that may hold a password: parsed, or refused naming the variable and only the
 * value's length, never the value. `accepts` says whether the parsed URL is of the kind wanted.
 */
export function secretUrl(name: string, raw: string, accepts: (url: URL) => boolean, allowed: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {}
  if (url === undefined || !accepts(url)) throw new ConfigError(name, `<${raw.length} characters>`, allowed);
  return url;
}
