// The worker process type's entry: `node worker.ts` (the Procfile's `worker:`, npm run worker).
// It wires your jobs (src/app/jobs/) into the kit's runtime, which runs them in one process per
// core (JOB_PROCESSES overrides), supervised and drained like the web's workers.
import { variables } from './src/app/variables.ts';
import { boot } from './src/runtime/boot.ts';

/** Your jobs and the resources they use, as the processes that run them load them. */
export const loadJobs = async () => await import('./src/app/jobs/index.ts');

if (import.meta.main) await boot({ variables, jobs: loadJobs, root: import.meta.dirname });
