// DATABASE_URL and what goes with it, parsed like every other variable: the pool's size for
// this dyno's workers, and TLS as each host needs it. Pure, and free of npm packages: the
// primary reads it for its boot line.
import { ConfigError, type Env, secretUrl } from '../config-error.ts';

/** libpq's names (https://www.postgresql.org/docs/current/libpq-ssl.html), and pg's no-verify. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'no-verify', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/**
 * Heroku Postgres Essential-0 and -1 allow 20 connections
 * (https://devcenter.heroku.com/articles/heroku-postgres-plans). 15 for the dyno's workers
 * leaves 5 for a one-off dyno (`heroku run`), the release phase's migration and `heroku pg:psql`.
 */
export const DEFAULT_CONNECTION_BUDGET = 15;
/** Heroku Postgres's largest plans allow 500; above it, a typo is likelier than a server. */
export const MAX_CONNECTION_BUDGET = 500;

export type TlsOptions =
  | false
  | { readonly rejectUnauthorized: boolean; readonly checkServerIdentity?: () => undefined };

export interface DatabaseSettings {
  /** DATABASE_URL without its sslmode (decided below, so pg-connection-string never warns). Never logged. */
  readonly url: string;
  /** What may be logged and shown: no user, no password. */
  readonly host: string;
  readonly database: string;
  readonly tls: TlsOptions;
  /** Why that TLS setting, for the boot line. */
  readonly tlsReason: string;
  /** Connections one dyno's workers may hold together. */
  readonly budget: number;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

/** The URL's own words and the variables', in libpq's order of precedence. */
function tlsFor(
  host: string,
  urlMode: string | null,
  envMode: string | undefined,
): Pick<DatabaseSettings, 'tls' | 'tlsReason'> {
  const [mode, source] = urlMode !== null ? [urlMode, 'DATABASE_URL'] : [envMode, 'PGSSLMODE'];
  if (mode === undefined) {
    // A socket path or a loopback address: nothing on the wire to protect, and a local
    // server rarely has a certificate.
    if (host === '' || host.startsWith('/') || LOCAL_HOSTS.has(host) || host.startsWith('127.')) {
      return { tls: false, tlsReason: 'local server: no TLS' };
    }
    // Heroku Postgres requires TLS, with certificates Node's CAs cannot verify: its own Node
    // example connects this way. https://devcenter.heroku.com/articles/connecting-heroku-postgres
    return {
      tls: { rejectUnauthorized: false },
      tlsReason: 'remote server: TLS, certificate not verified (as Heroku Postgres needs)',
    };
  }
  if (!(SSL_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(
      source,
      source === 'PGSSLMODE' ? mode : `<sslmode=${mode}>`,
      `sslmode one of ${SSL_MODES.join(', ')}`,
    );
  }
  const reason = `sslmode=${mode} from ${source}`;
  switch (mode as SslMode) {
    case 'disable':
      return { tls: false, tlsReason: reason };
    // pg cannot fall back to plain text as libpq's allow and prefer do: they encrypt, as require does.
    case 'allow':
    case 'prefer':
    case 'require':
    case 'no-verify':
      return { tls: { rejectUnauthorized: false }, tlsReason: reason };
    case 'verify-ca':
      return { tls: { rejectUnauthorized: true, checkServerIdentity: () => undefined }, tlsReason: reason };
    case 'verify-full':
      return { tls: { rejectUnauthorized: true }, tlsReason: reason };
  }
}

function budgetOf(env: Env): number {
  const raw = env.DATABASE_CONNECTION_BUDGET;
  if (raw === undefined) return DEFAULT_CONNECTION_BUDGET;
  const value = raw.trim();
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_CONNECTION_BUDGET) {
    throw new ConfigError('DATABASE_CONNECTION_BUDGET', raw, `a whole number from 1 to ${MAX_CONNECTION_BUDGET}`);
  }
  return Number(value);
}

/** null without a database: an unset or empty DATABASE_URL. */
export function databaseSettings(env: Env): DatabaseSettings | null {
  const budget = budgetOf(env);
  const raw = env.DATABASE_URL?.trim();
  if (!raw) return null;
  const url = secretUrl(
    'DATABASE_URL',
    raw,
    (u) => u.protocol === 'postgres:' || u.protocol === 'postgresql:',
    'a URL of the form postgres://user:password@host:5432/database',
  );
  const urlMode = url.searchParams.get('sslmode');
  url.searchParams.delete('sslmode');
  // A socket directory may come as ?host=/var/run/postgresql, as libpq allows.
  const host = decodeURIComponent(url.searchParams.get('host') ?? url.hostname);
  return Object.freeze({
    url: url.toString(),
    host,
    database: decodeURIComponent(url.pathname.slice(1)) || decodeURIComponent(url.username),
    budget,
    ...tlsFor(host, urlMode, env.PGSSLMODE),
  });
}

export interface PoolPlan {
  readonly perWorker: number;
  readonly total: number;
  /** For the boot line: `4 workers x 3 = 12 connections (budget 15)` (runners on a worker dyno). */
  readonly summary: string;
  /** When the processes alone need more than the budget, what to change. */
  readonly overBudget?: string;
}

/**
 * Each process's pool: an equal share of the dyno's budget, and at least one connection. A
 * worker dyno's runners share it as a web dyno's workers do, and JOB_PROCESSES sets how many.
 */
export function planPool(budget: number, processes: number, type: 'web' | 'worker' = 'web'): PoolPlan {
  const perWorker = Math.max(1, Math.floor(budget / processes));
  const total = perWorker * processes;
  const [one, many, count] =
    type === 'web' ? ['worker', 'workers', 'WEB_CONCURRENCY'] : ['runner', 'runners', 'JOB_PROCESSES'];
  return {
    perWorker,
    total,
    summary: `${processes} ${processes === 1 ? one : many} x ${perWorker} = ${total} connection${total === 1 ? '' : 's'} (budget ${budget})`,
    ...(total > budget
      ? {
          overBudget: `${processes} ${many} need at least ${total} connections, over the budget of ${budget}: raise DATABASE_CONNECTION_BUDGET or lower ${count}`,
        }
      : {}),
  };
}

/** Said at boot when no database is attached. */
export const NO_DATABASE =
  'no database attached (DATABASE_URL is unset): heroku addons:create heroku-postgresql:essential-0 attaches one';
