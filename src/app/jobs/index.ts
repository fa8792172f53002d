// Your jobs, run by the worker process type (`node worker.ts`, the Procfile's `worker:`): one
// file per job in this folder, listed here. Web code enqueues one by its definition:
//
//   await ctx.jobs.enqueue(sendWelcome, { userId: 42 });
//
// A job runs at least once: a runner killed mid-job leaves it to run again, so a handler must
// be safe to repeat (check what it did before doing it again). See docs/jobs.md.
import { demoJobs } from '../../demo/jobs.ts'; // the teaching surface's: `npm run remove-demo` deletes this line and the demo's entry below
import type { AnyJob } from '../../runtime/contract.ts';

export { registerResources as resources } from '../resources.ts';

export const jobs: readonly AnyJob[] = [
  ...demoJobs, // the demo's
  // sendWelcome,
];
