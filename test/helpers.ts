// Your tests' helpers: your app, served in the test's process, your jobs run as a runner runs
// them, and a database and Redis keys of the test's own.
//   const app = await startApp(t, { env: { DATABASE_URL: await testDatabase(t) } });
//   const res = await fetch(`${app.url}/notes`);
//   const runner = await startRunner(t, { env: { DATABASE_URL: await testDatabase(t) } });
//   await runner.run(sendWelcome, { userId: 42 });
// Each test gets what it asks for and loses it when it ends (t.after): nothing to clean up.
import type { TestContext } from 'node:test';
import { createApp } from '../src/app/app.ts';
import { registerResources } from '../src/app/resources.ts';
import { variables } from '../src/app/variables.ts';
import { type Env, startApp as start, startRunner as startJobs } from '../src/runtime/testing.ts';

export { testDatabase, testRedis, whenPostgres, whenRedis } from '../src/runtime/testing.ts';

/**
 * Your app on a free port, with exactly the environment given (NODE_ENV=test unless set; your
 * variables and the kit's parsed as at boot); drained and its resources closed after the test.
 */
export function startApp(t: TestContext, options: { env?: Env } = {}) {
  return start(t, { app: createApp, variables, env: options.env });
}

/**
 * Your jobs' handlers, run in the test's process as a runner runs them (`runner.run(job,
 * payload)`), with your resources from the environment given; closed after the test.
 */
export function startRunner(t: TestContext, options: { env?: Env } = {}) {
  return startJobs(t, { resources: registerResources, variables, env: options.env });
}
