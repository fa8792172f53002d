import type { TestContext } from 'node:test';
import { createApp } from '../../src/app/app.ts';
import { singleProcessView } from '../../src/runtime/cluster/views.ts';
import { serve } from '../../src/runtime/http/server.ts';
import { createLogger, type Logger } from '../../src/runtime/log/log.ts';
import { createProcessMetrics } from '../../src/runtime/metrics/metrics.ts';
import type { Surfaces } from '../../src/runtime/surfaces.ts';

export const silentLog: Logger = createLogger({ level: 'silent', format: 'json', base: {} });

/** The real app on a real port, closed when the test ends. Development's surfaces unless told. */
export async function startApp(t: TestContext, options: { production?: boolean; surfaces?: Surfaces } = {}) {
  const health = { draining: false };
  const metrics = createProcessMetrics();
  const app = createApp({
    identity: { pid: process.pid, workerId: null, dyno: 'web.1' },
    health,
    production: options.production ?? false,
    surfaces: options.surfaces ?? { demo: true, metrics: 'open' },
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
