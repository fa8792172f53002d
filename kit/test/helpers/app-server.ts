import type { TestContext } from 'node:test';
import { createApp } from '../../../src/app/app.ts';
import { createAppContext } from '../../../src/runtime/app-context.ts';
import { singleProcessView } from '../../../src/runtime/cluster/views.ts';
import type { AppFactory } from '../../../src/runtime/contract.ts';
import type { DatabaseSettings } from '../../../src/runtime/database/settings.ts';
import { serve } from '../../../src/runtime/http/server.ts';
import { createResources, type ResourceTiming } from '../../../src/runtime/lifecycle.ts';
import { createLogger, type Logger } from '../../../src/runtime/log/log.ts';
import { createProcessMetrics } from '../../../src/runtime/metrics/metrics.ts';
import type { Surfaces } from '../../../src/runtime/surfaces.ts';

export const silentLog: Logger = createLogger({ level: 'silent', format: 'json', base: {} });

export interface StartAppOptions {
  readonly production?: boolean;
  readonly surfaces?: Surfaces;
  /** Another app than the kit's own, served the same way. */
  readonly app?: AppFactory;
  readonly log?: Logger;
  readonly database?: DatabaseSettings;
  /** What the app reads as `ctx.config.env`; empty unless told. */
  readonly env?: Record<string, string>;
  /** How long opens are waited for and retried; the serving process's own unless told. */
  readonly resourceTiming?: ResourceTiming;
}

/**
 * The app on a real port, its resources opened first and closed when the test ends, as a
 * serving process does. Development's surfaces unless told.
 */
export async function startApp(t: TestContext, options: StartAppOptions = {}) {
  const health = { draining: false };
  const metrics = createProcessMetrics();
  const log = options.log ?? silentLog;
  const resources = createResources(log, options.resourceTiming);
  const ctx = createAppContext({
    nodeEnv: options.production ? 'production' : 'development',
    surfaces: options.surfaces ?? { demo: true, metrics: 'open' },
    workers: 1,
    env: options.env ?? {},
    database: options.database ?? null,
    identity: { pid: process.pid, workerId: null, instance: 'web.1' },
    log,
    metrics,
    resources,
    health,
    cluster: singleProcessView(
      'web.1',
      { count: 1, source: 'WEB_CONCURRENCY', reason: 'WEB_CONCURRENCY=1' },
      metrics,
      health,
      512 * 1024 * 1024,
    ),
  });
  const handler = (options.app ?? createApp)(ctx);
  await resources.openAll(5_000);
  const server = await serve(handler, { port: 0 });
  t.after(async () => {
    await server.close();
    await resources.closeAll(performance.now() + 5_000);
  });
  return { url: `http://127.0.0.1:${server.port}`, health, server, resources };
}
