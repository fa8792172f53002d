// What your app owns, registered once for every process that needs it: a web worker (createApp
// calls this) and a job runner (src/app/jobs/index.ts hands it to the runtime). Each opens
// before its process serves or takes a job, and closes after its last request or job.
import { type Database, type ProcessContext, type ResourceHandle, registerDatabase } from '../runtime/contract.ts';
import { type Cache, registerCache } from './cache.ts';

export interface AppResources {
  /** PostgreSQL when DATABASE_URL is set (required: /readyz answers 503 while it does not answer). */
  readonly database: ResourceHandle<Database> | null;
  /** Redis when REDIS_URL is set (optional: it can). */
  readonly cache: ResourceHandle<Cache> | null;
}

export function registerResources(ctx: ProcessContext): AppResources {
  return { database: registerDatabase(ctx), cache: registerCache(ctx) };
}
