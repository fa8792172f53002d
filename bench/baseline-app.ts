// What the kit is measured against: the kit's own /api/info handler in Express with Helmet
// and nothing else (no request log, no metrics, no request id, no other routes). It logs only
// the line the bench waits for, in the kit's shape.
import express from 'express';
import helmet from 'helmet';
import { apiRoutes } from '../src/routes/api.ts';

const app = express();
app.disable('x-powered-by');
app.set('trust proxy', 1);
app.use(helmet());
app.use('/api', apiRoutes({ pid: process.pid, workerId: null, dyno: null }));

const server = app.listen(Number(process.env.PORT ?? 0), () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ msg: 'listening', proc: 'app', pid: process.pid, port })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
