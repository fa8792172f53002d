// The entry: `node start.ts` (Procfile, npm start). It wires your app into the kit's runtime,
// which reads the config, decides how many workers to run, and supervises them or, with one
// worker, serves from this process. node:cluster forks this same file for each worker.
// Importing it does nothing (the build's cache warm-up compiles it that way).
import { variables } from './src/app/variables.ts';
import { boot } from './src/runtime/boot.ts';

/** Your app, as the processes that serve load it: the primary never does. */
export const loadApp = async () => (await import('./src/app/app.ts')).createApp;

if (import.meta.main) await boot({ variables, app: loadApp, root: import.meta.dirname });
