import type { TestContext } from 'node:test';
import { createApp } from '../../src/app.ts';
import { singleProcessView } from '../../src/cluster/views.ts';
import { createLogger, type Logger } from '../../src/log.ts';
import { createProcessMetrics } from '../../src/metrics.ts';
import { serve } from '../../src/server.ts';

export const silentLog: Logger = createLogger({ level: 'silent', format: 'json', base: {} });

/** The real app on a real port, closed when the test ends. */
export async function startApp(t: TestContext, options: { production?: boolean } = {}) {
  const health = { draining: false };
  const metrics = createProcessMetrics();
  const app = createApp({
    identity: { pid: process.pid, workerId: null, dyno: 'web.1' },
    health,
    production: options.production ?? false,
    log: silentLog,
    metrics,
    cluster: singleProcessView(
      'web.1',
      { count: 1, source: 'WEB_CONCURRENCY', reason: 'WEB_CONCURRENCY=1' },
      metrics,
      health,
    ),
  });
  const server = await serve(app, { port: 0 });
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${server.port}`, health, server };
}
