// Visits counted four ways, to show where state lives under clustering: in one worker's
// memory (each worker has its own, and round-robin sends each request to another), in the
// primary (one per dyno: a scaled app has several), in Redis and in the database (one for
// every dyno).
import { Router } from 'express';
import {
  type AppContext,
  type Database,
  NO_DATABASE,
  NO_REDIS,
  type ResourceHandle,
  redisKey,
  withDatabase,
} from '../runtime/contract.ts';

const COUNTER = 'visits';

/** What the counter needs of the app's Redis client: two commands. */
export interface Counter {
  incr(key: string): Promise<number>;
  get(key: string): Promise<string | null>;
}

/** Said in place of a count when Redis is attached but not answering: the visit still counts elsewhere. */
const REDIS_UNAVAILABLE = 'Redis is not answering: this visit was not counted there';

/**
 * INCR: one atomic command, so visits from every worker of every dyno cannot lose one. Optional
 * like the app's cache: when it fails, the visit is counted everywhere else and the page says so.
 */
async function inRedis(redis: ResourceHandle<Counter>, key: string, add: boolean): Promise<number | null> {
  if (!redis.available) return null;
  try {
    return add ? await redis.value.incr(key) : Number((await redis.value.get(key)) ?? 0);
  } catch {
    return null;
  }
}

/** The table is the release phase's to make (npm run migrate): a request never creates it. */
class NotMigrated extends Error {
  readonly status = 503;
  readonly expose = true;
  constructor() {
    super('the visits table does not exist yet: run npm run migrate (on Heroku, the release phase does)');
  }
}
const UNDEFINED_TABLE = '42P01';

async function inDatabase(database: ResourceHandle<Database>, add: boolean): Promise<number> {
  try {
    return await withDatabase(database, async (pool) => {
      // One statement: concurrent visits from every worker of every dyno cannot lose one, as a
      // read followed by a write could.
      const { rows } = add
        ? await pool.query<{ count: string }>(
            'insert into visits (name, count) values ($1, 1) on conflict (name) do update set count = visits.count + 1 returning count',
            [COUNTER],
          )
        : await pool.query<{ count: string }>('select count from visits where name = $1', [COUNTER]);
      return Number(rows[0]?.count ?? 0);
    });
  } catch (err) {
    throw (err as { code?: string }).code === UNDEFINED_TABLE ? new NotMigrated() : err;
  }
}

export function visitRoutes(
  ctx: AppContext,
  database: ResourceHandle<Database> | null,
  redis: ResourceHandle<Counter> | null,
): Router {
  const router = Router();
  // The demo's one key in the app's Redis, beside the kit's under REDIS_KEY_PREFIX.
  const key = redisKey(ctx.config, 'demo:visits');
  let inThisWorker = 0;
  const answer = async (add: boolean) => {
    // The database first: if it fails, the visit was not counted anywhere and the client is told.
    const everyDyno = database ? await inDatabase(database, add) : null;
    const inRedisNow = redis ? await inRedis(redis, key, add) : null;
    if (add) inThisWorker += 1;
    return {
      worker: { count: inThisWorker, pid: ctx.identity.pid, workerId: ctx.identity.workerId },
      dyno: { count: await ctx.cluster.count(COUNTER, add ? 1 : 0), name: ctx.identity.instance },
      redis: inRedisNow !== null ? { count: inRedisNow } : { count: null, note: redis ? REDIS_UNAVAILABLE : NO_REDIS },
      database: everyDyno === null ? { count: null, note: NO_DATABASE } : { count: everyDyno },
    };
  };
  router.get('/visits', async (_req, res) => {
    res.json(await answer(false));
  });
  router.post('/visits', async (_req, res) => {
    res.json(await answer(true));
  });
  return router;
}
