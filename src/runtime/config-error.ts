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
