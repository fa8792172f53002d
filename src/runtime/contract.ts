// The runtime's whole public face: the one module your app (src/app/) and the teaching surface
// (src/demo/) import from it. The runtime hands the app an AppContext and takes back its request
// handler; the app hands over what it owns through `resources.register`. The entry (start.ts)
// wires the two together: nothing under src/runtime/ imports the app
// (kit/test/unit/imports.test.ts holds both sides to it).

export type { ClusterStatus } from './cluster/status.ts';
export type { ClusterView } from './cluster/views.ts';
export type { WatchFrame } from './cluster/watchers.ts';
export {
  type Database,
  DatabaseUnavailable,
  isUnavailable,
  registerDatabase,
  withDatabase,
} from './database/pool.ts';
export { NO_DATABASE } from './database/settings.ts';
export { describeProcess, type ProcessIdentity } from './identity.ts';
export { type AnyJob, defineJobFor, type JobDefinition, type JobRun, type JobSpec } from './jobs/define.ts';
export { type EnqueueOptions, type JobCounts, type JobSummary, type Jobs, JobsUnavailable } from './jobs/queue.ts';
export type { JobsEntry } from './jobs/runner.ts';
export { type RateLimitOptions, rateLimit } from './limits/rate-limit.ts';
export type { Logger } from './log/log.ts';
export { COMMAND_TIMEOUT_MS, type Redis, type RedisOptions, registerRedis } from './redis/client.ts';
export { NO_REDIS, rateLimitScope, redisKey } from './redis/settings.ts';
export type { Resource, ResourceHandle, Resources } from './resources.ts';
export type { Surfaces } from './surfaces.ts';
export type { AnyVariables, AppConfig, AppContext, AppFactory, KitHttp, ProcessContext } from './types.ts';
export type { VariableSpec, VariableSpecs, VariableValues } from './variables.ts';
