// Your app's own environment variables, declared once (src/app/variables.ts) and parsed by the
// same rules as the kit's: in the first process, before any worker starts, so a bad value stops
// the boot once with one line naming the variable, the value and what is allowed. Pure, and free
// of npm packages: the primary parses them. src/app/variables.ts declares them `as const
// satisfies VariableSpecs`, so their values are typed to the letter (VariableValues).
import { ConfigError, type Env } from './config-error.ts';

interface Common {
  /** One sentence for docs/configuration.md, .env.example and `npm run docs`. */
  readonly description: string;
}

export type VariableSpec = Common &
  (
    | { readonly type: 'integer'; readonly min: number; readonly max: number; readonly default?: number }
    | { readonly type: 'number'; readonly min: number; readonly max: number; readonly default?: number }
    | { readonly type: 'string'; readonly default?: string; readonly pattern?: RegExp; readonly allowed?: string }
    | { readonly type: 'enum'; readonly values: readonly [string, ...string[]]; readonly default?: string }
    // A URL may carry a password, and a secret is one: neither is ever echoed, not even when invalid.
    | { readonly type: 'url'; readonly protocols: readonly [string, ...string[]] }
    | { readonly type: 'secret'; readonly minLength: number }
  ) & {
    /** Unset with no default stops the boot, rather than the first request that needs it. */
    readonly required?: boolean;
  };

export type VariableSpecs = Readonly<Record<string, VariableSpec>>;

type ValueOf<S extends VariableSpec> = S extends { readonly type: 'integer' | 'number' }
  ? number
  : S extends { readonly type: 'enum'; readonly values: readonly (infer V)[] }
    ? V
    : string;

/** The parsed values: a variable with a default, or required, is never undefined. */
export type VariableValues<D extends VariableSpecs> = {
  readonly [K in keyof D]: D[K] extends { readonly default: unknown } | { readonly required: true }
    ? ValueOf<D[K]>
    : ValueOf<D[K]> | undefined;
};

/** A declaration that cannot be right fails every boot, whatever the environment: say so first. */
function checkDeclarations(specs: VariableSpecs): void {
  for (const [name, spec] of Object.entries(specs)) {
    // A name the shell and every platform's dashboard accept.
    if (!/^[A-Z][A-Z0-9_]*$/.test(name))
      throw new Error(`variable name ${JSON.stringify(name)} must be UPPER_SNAKE_CASE`);
    if ('default' in spec && spec.default !== undefined && spec.required) {
      throw new Error(`variable ${name} has a default and is required: it can never be missing, drop one`);
    }
  }
}

/** What is allowed, in the words of the error line and of the docs. */
export function allowedBy(spec: VariableSpec): string {
  switch (spec.type) {
    case 'integer':
      return `a whole number from ${spec.min} to ${spec.max}`;
    case 'number':
      return `a number from ${spec.min} to ${spec.max}`;
    case 'string':
      return spec.allowed ?? (spec.pattern ? `text matching ${spec.pattern}` : 'any text');
    case 'enum':
      return `one of ${spec.values.join(', ')}`;
    case 'url':
      return `a URL starting ${spec.protocols.map((p) => `${p}://`).join(' or ')}`;
    case 'secret':
      return `${spec.minLength} or more characters, no spaces`;
  }
}

/** The value as it may be shown: never a URL (it may hold a password) nor a secret. */
const shown = (spec: VariableSpec, raw: string) =>
  spec.type === 'url' || spec.type === 'secret' ? `<${raw.length} characters>` : raw;

function parseOne(name: string, spec: VariableSpec, raw: string): string | number {
  const bad = () => new ConfigError(name, shown(spec, raw), allowedBy(spec));
  const value = raw.trim();
  switch (spec.type) {
    case 'integer':
    case 'number': {
      const form = spec.type === 'integer' ? /^-?\d+$/ : /^-?\d+(\.\d+)?$/;
      if (!form.test(value) || Number(value) < spec.min || Number(value) > spec.max) throw bad();
      return Number(value);
    }
    case 'string':
      if (spec.pattern && !spec.pattern.test(raw)) throw bad();
      return raw;
    case 'enum':
      if (!spec.values.includes(value)) throw bad();
      return value;
    case 'url': {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        throw bad();
      }
      if (!spec.protocols.includes(url.protocol.replace(/:$/, '')) || url.host === '') throw bad();
      return value;
    }
    case 'secret':
      if (raw.length < spec.minLength || /\s/.test(raw)) throw bad();
      return raw;
  }
}

/** Parses the app's variables from `env`; throws ConfigError naming the first bad or missing one. */
export function parseVariables<D extends VariableSpecs>(specs: D, env: Env): VariableValues<D> {
  checkDeclarations(specs);
  const values: Record<string, string | number | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      if (spec.required) throw new ConfigError(name, undefined, `${allowedBy(spec)} (required, no default)`);
      values[name] = 'default' in spec ? spec.default : undefined;
    } else values[name] = parseOne(name, spec, raw);
  }
  return Object.freeze(values) as VariableValues<D>;
}

/** The default as the docs say it. */
export function defaultOf(spec: VariableSpec): string {
  if ('default' in spec && spec.default !== undefined) return String(spec.default);
  return spec.required ? 'required' : 'unset';
}
