// Visits counted three ways, to show where state lives under clustering: in one worker's
// memory (each worker has its own, and round-robin sends each request to another), in the
// primary (one per dyno: a scaled app has several), and in the database (one for every dyno).
import { Router } from 'express';
import { type AppContext, type Database, NO_DATABASE, type ResourceHandle, withDatabase } from '../runtime/contract.ts';

const COUNTER = 'visits';

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

export function visitRoutes(ctx: AppContext, database: ResourceHandle<Database> | null): Router {
  const router = Router();
  let inThisWorker = 0;
  const answer = async (add: boolean) => {
    // The database first: if it fails, the visit was not counted anywhere and the client is told.
    const everyDyno = database ? await inDatabase(database, add) : null;
    if (add) inThisWorker += 1;
    return {
      worker: { count: inThisWorker, pid: ctx.identity.pid, workerId: ctx.identity.workerId },
      dyno: { count: await ctx.cluster.count(COUNTER, add ? 1 : 0), name: ctx.identity.instance },
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
