// What the kit is measured against: the kit's /api/info handler in Express with Helmet
// and nothing else (no request log, no metrics, no request id, no other routes). It logs only
// the line the bench waits for, in the kit's shape. BUSY_US=3 adds 3 µs of busy work to
// every request: the bench's yardstick. With DATABASE_URL it also serves the database route;
// with RATE_LIMIT_REDIS_URL, the rate-limited one.
import express from 'express';
import helmet from 'helmet';
import { DEFAULT_CONNECTION_BUDGET } from '../../src/runtime/database/settings.ts';
import { describeProcess } from '../../src/runtime/identity.ts';

const app = express();
app.disable('x-powered-by');
app.set('trust proxy', 1);
app.use(helmet());
// The yardstick: this much busy work added to every request, to show what a known cost
// looks like in the measurement.
const busyUs = Number(process.env.BUSY_US ?? 0);
if (busyUs > 0) {
  app.use((_req, _res, next) => {
    const until = performance.now() + busyUs / 1000;
    while (performance.now() < until);
    next();
  });
}
const identity = { pid: process.pid, workerId: null, instance: null, dyno: null };
// The kit's /api/info, line for line (src/demo/info-and-echo.ts): a router under /api.
const api = express.Router();
api.get('/info', (req, res) => {
  res.json({ ...describeProcess(identity), clientIp: req.ip, protocol: req.protocol });
});
app.use('/api', api);

// With DATABASE_URL, the kit's /demo/db-sleep (src/demo/cpu-and-sleep.ts) without the kit: the
// same query through a pg pool of the size the kit's single process gets.
if (process.env.DATABASE_URL) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: DEFAULT_CONNECTION_BUDGET });
  app.get('/demo/db-sleep', async (req, res) => {
    const ms = Number(req.query.ms ?? 0);
    const started = performance.now();
    await pool.query('select pg_sleep($1)', [ms / 1000]);
    res.json({ ...identity, ms, tookMs: Math.round(performance.now() - started) });
  });
}

// With RATE_LIMIT_REDIS_URL, kit/test/fixtures/redis-app.ts's /limited without the kit:
// express-rate-limit counting in Redis through rate-limit-redis, on a node-redis client, as
// their READMEs set them up, with the same key, limit, window and headers.
if (process.env.RATE_LIMIT_REDIS_URL) {
  const { rateLimit } = await import('express-rate-limit');
  const { RedisStore } = await import('rate-limit-redis');
  const { createClient } = await import('redis');
  const client = await createClient({ url: process.env.RATE_LIMIT_REDIS_URL }).connect();
  const limited = rateLimit({
    windowMs: 60_000,
    limit: Number(process.env.LIMIT ?? 5),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: 'fixture',
    keyGenerator: (req) => String(req.query.key),
    store: new RedisStore({
      sendCommand: (...command: string[]) => client.sendCommand(command),
      prefix: `${process.env.REDIS_KEY_PREFIX ?? 'bench'}:rl:alone:`,
    }),
  });
  app.get('/limited', limited, (_req, res) => {
    res.json({ worker: null, pid: process.pid, instance: null });
  });
}

const server = app.listen(Number(process.env.PORT ?? 0), () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', proc: 'app', pid: process.pid, port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
