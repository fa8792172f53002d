import type { TestContext } from 'node:test';
import { createApp } from '../../../src/app/app.ts';
import { variables } from '../../../src/app/variables.ts';
import type { Env } from '../../../src/runtime/config.ts';
import type { AppFactory } from '../../../src/runtime/contract.ts';
import { createLogger, type Logger } from '../../../src/runtime/log/log.ts';
import type { ResourceTiming } from '../../../src/runtime/resources.ts';
import type { Surfaces } from '../../../src/runtime/surfaces.ts';
import { startApp as start } from '../../../src/runtime/testing.ts';

export const silentLog: Logger = createLogger({ level: 'silent', format: 'json', base: {} });

export interface StartAppOptions {
  readonly production?: boolean;
  readonly surfaces?: Surfaces;
  /** Another app than the kit's own, served the same way. */
  // biome-ignore lint/suspicious/noExplicitAny: a fixture app reads what variables it likes.
  readonly app?: AppFactory<any>;
  readonly log?: Logger;
  readonly env?: Env;
  /** How long opens are waited for and retried; the serving process's own unless told. */
  readonly resourceTiming?: ResourceTiming;
  /** How many processes the app is told share its dyno (1). */
  readonly workers?: number;
}

/**
 * The app on a real port through the helper a user's tests use (src/runtime/testing.ts):
 * resources opened first and closed when the test ends. Development's surfaces unless told.
 */
export function startApp(t: TestContext, options: StartAppOptions = {}) {
  return start(t, {
    app: (options.app ?? createApp) as AppFactory,
    variables,
    env: { NODE_ENV: options.production ? 'production' : 'development', DYNO: 'web.1', ...options.env },
    log: options.log ?? silentLog,
    surfaces: options.surfaces ?? { demo: true, metrics: 'open' },
    resourceTiming: options.resourceTiming,
    workers: options.workers,
  });
}
