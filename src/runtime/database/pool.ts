// The app's PostgreSQL (node-postgres), when DATABASE_URL is set: one pool per serving process,
// its size this process's share of the dyno's DATABASE_CONNECTION_BUDGET. Registered as a
// resource, so it opens before the process serves and closes after its last request. A database
// that is down, restarting or refusing the password never crashes a process: the pool keeps
// trying, the routes that need it answer 503, and /readyz names it until it answers again.
import type pg from 'pg';
import { Gauge } from 'prom-client';
import type { ResourceHandle } from '../resources.ts';
import type { ProcessContext } from '../types.ts';

/**
 * How long a query waits for a connection: a connect to a server that does not answer, or a
 * pool whose connections are all busy. Then 503, well before Heroku's router gives up at 30 s.
 */
const CONNECTION_TIMEOUT_MS = 5_000;
/** An idle connection is given back to the server after this long. */
const IDLE_TIMEOUT_MS = 30_000;

export type Database = pg.Pool;

/** The database cannot be reached now: the client should try again, not report a bug. */
export class DatabaseUnavailable extends Error {
  readonly status = 503;
  readonly expose = true;
  constructor(cause: unknown) {
    super('the database is unavailable: try again shortly', { cause });
    this.name = 'DatabaseUnavailable';
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * Whether an error says the database is out of reach rather than that the query is wrong.
 * SQLSTATE classes: 08 connection exception, 28 invalid authorization, 53 insufficient
 * resources (too many connections), 57P0x shutdown or restart, 3D000 no such database
 * (https://www.postgresql.org/docs/current/errcodes-appendix.html).
 */
export function isUnavailable(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || /^(08|28|53)/.test(code) || code.startsWith('57P0') || code === '3D000') return true;
  }
  // pg's own words when a connection cannot be had or is lost.
  return (
    typeof message === 'string' &&
    /timeout exceeded when trying to connect|Connection terminated|connection timeout/i.test(message)
  );
}

/** Runs `work` with the pool, turning "the database is out of reach" into a 503. */
export async function withDatabase<T>(
  handle: ResourceHandle<Database>,
  work: (pool: Database) => Promise<T>,
): Promise<T> {
  try {
    return await work(handle.value);
  } catch (err) {
    throw isUnavailable(err) ? new DatabaseUnavailable(err) : err;
  }
}

/** Warns when the server has no room for this dyno's share: asked once per dyno, by its first process. */
async function checkRoom(pool: Database, ctx: ProcessContext, total: number): Promise<void> {
  const { rows } = await pool.query<{ max: number; reserved: number; used: number }>(
    `select current_setting('max_connections')::int as max,
            current_setting('superuser_reserved_connections')::int as reserved,
            (select count(*) from pg_stat_activity where backend_type = 'client backend')::int as used`,
  );
  const { max, reserved, used } = rows[0] ?? { max: 0, reserved: 0, used: 0 };
  // This process's own connection is among those in use.
  const free = max - reserved - used + 1;
  if (free < total) {
    ctx.log.warn(
      `database: the server allows ${max} connections (${reserved} reserved) and ${used} are in use: this dyno's ${total} may not fit`,
      { max, reserved, used, needed: total },
    );
  }
}

/** Registers the pool when DATABASE_URL is set; null, and the app serves without it, when not. */
export function registerDatabase(ctx: ProcessContext): ResourceHandle<Database> | null {
  const settings = ctx.config.database;
  if (settings === null) return null;
  const { host, database } = settings;
  const { identity } = ctx;
  const handle = ctx.resources.register<Database>({
    name: 'database',
    async open() {
      // Loaded only with a database to talk to: a process without one never loads pg.
      const { default: pg } = await import('pg');
      const pool = new pg.Pool({
        connectionString: settings.url,
        ssl: settings.tls === false ? false : { ...settings.tls },
        max: settings.pool.perWorker,
        connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
        idleTimeoutMillis: IDLE_TIMEOUT_MS,
        // Which process holds a connection, in pg_stat_activity.
        application_name: `${identity.instance ?? 'local'} ${identity.workerId === null ? 'app' : `worker ${identity.workerId}`} pid ${identity.pid}`,
      });
      // A connection that fails while idle (a server restart) is an 'error' on the pool: unheard,
      // it would crash the process. The pool drops it and opens another when one is needed.
      pool.on('error', (err) =>
        ctx.log.warn('database: an idle connection was lost; the pool will open another', { cause: err.message }),
      );
      try {
        await pool.query('select 1');
        ctx.log.info('database connected', { host, database, pool: settings.pool.perWorker });
        if (identity.workerId === null || identity.workerId === 1) await checkRoom(pool, ctx, settings.pool.total);
      } catch (err) {
        // Serving without it beats a crash loop: its routes answer 503 and /readyz names it.
        ctx.log.warn('database unreachable: serving anyway; routes that need it answer 503 until it answers', {
          host,
          database,
          cause: err instanceof Error ? err.message : String(err),
        });
      }
      return pool;
    },
    close: (pool) => pool.end(),
    async check(pool) {
      await pool.query('select 1');
    },
  });
  const gauge = (name: string, help: string, read: (pool: Database) => number) =>
    new Gauge({
      name,
      help,
      registers: [ctx.metrics],
      collect() {
        try {
          this.set(read(handle.value));
        } catch {
          this.set(0);
        }
      },
    });
  gauge('db_pool_max_connections', 'Connections the pools may open (their size)', () => settings.pool.perWorker);
  gauge('db_pool_connections', 'Connections the pools hold, busy or idle', (pool) => pool.totalCount);
  gauge('db_pool_idle_connections', 'Connections the pools hold idle', (pool) => pool.idleCount);
  gauge('db_pool_waiting_queries', 'Queries waiting for a connection', (pool) => pool.waitingCount);
  return handle;
}
