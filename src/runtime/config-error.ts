export type Env = Readonly<Record<string, string | undefined>>;

/** A bad variable: the message names it, the value (or its length, for a secret) and what is allowed. */
export class ConfigError extends Error {
  readonly variable: string;

  constructor(variable: string, value: string, allowed: string) {
    super(`${variable}=${JSON.stringify(value)} is not valid: expected ${allowed}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}
