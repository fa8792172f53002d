// Your tests' helpers: your app, served in the test's process, and a database of the test's own.
//   const app = await startApp(t, { env: { DATABASE_URL: await testDatabase(t) } });
//   const res = await fetch(`${app.url}/notes`);
// Each test gets what it asks for and loses it when it ends (t.after): nothing to clean up.
import type { TestContext } from 'node:test';
import { createApp } from '../src/app/app.ts';
import { variables } from '../src/app/variables.ts';
import type { Env } from '../src/runtime/config.ts';
import { startApp as start } from '../src/runtime/testing.ts';

export { testDatabase, whenPostgres } from '../src/runtime/database/test-database.ts';

/**
 * Your app on a free port, with exactly the environment given (NODE_ENV=test unless set; your
 * variables and the kit's parsed as at boot); drained and its resources closed after the test.
 */
export function startApp(t: TestContext, options: { env?: Env } = {}) {
  return start(t, { app: createApp, variables, env: options.env });
}
