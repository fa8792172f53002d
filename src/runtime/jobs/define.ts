// A job, as the app declares it in src/app/jobs/: a name, a typed payload, a handler, and how
// often it is retried and how long it may run. The web enqueues it by its definition
// (ctx.jobs.enqueue(job, payload), checked against the payload's type); the worker process type
// runs it (runner.ts).
import type { Logger } from '../log/log.ts';
import { optionFailure } from '../option-error.ts';
import type { ProcessContext } from '../types.ts';

/** What a handler is given besides its payload. */
export interface JobRun<R> {
  /** The queue's id for this job: the same on every attempt. */
  readonly id: string;
  /**
   * 1 on the first run, 2 on the first retry... A run cut short by its runner stopping or dying
   * is no failed attempt: the run after it has the same number. So it cannot tell a handler
   * whether it ran before: that is why a handler must be safe to repeat.
   */
  readonly attempt: number;
  /** The runner's logger, with the job's id and name on every line. */
  readonly log: Logger;
  /**
   * Aborted when the job's time is up, or when the runner stops and the job goes back to the
   * queue: pass it to what takes long (fetch, a query), or check it between steps.
   */
  readonly signal: AbortSignal;
  /** What the app registered for its processes (src/app/resources.ts). */
  readonly resources: R;
  readonly ctx: ProcessContext;
}

export interface JobSpec<P, R> {
  /** Letters, digits, `.`, `_` or `-`, unique in the app: the queue stores jobs by it. */
  readonly name: string;
  /** Runs after the first that fails, with an exponential backoff from 1 s (3 unless told). */
  readonly retries?: number;
  /** Past this a run is abandoned and counts as failed (60 s unless told). */
  readonly timeoutMs?: number;
  /**
   * Runs on a schedule as well as when enqueued: every this many ms, or on a cron pattern
   * (`0 3 * * *`). The queue keeps the schedule, so across every dyno it is enqueued once.
   */
  readonly every?: number;
  readonly cron?: string;
  run(payload: P, job: JobRun<R>): Promise<unknown> | unknown;
}

export interface JobDefinition<P, R = unknown> extends JobSpec<P, R> {
  readonly retries: number;
  readonly timeoutMs: number;
  /** Never set: carries the payload's type to ctx.jobs.enqueue. */
  readonly payload?: P;
}

// biome-ignore lint/suspicious/noExplicitAny: a list of jobs holds every payload type.
export type AnyJob = JobDefinition<any, any>;

const DEFAULT_RETRIES = 3;
const DEFAULT_TIMEOUT_MS = 60_000;
const NAME = /^[\w.-]{1,64}$/;

function checked<P, R>(spec: JobSpec<P, R>): JobDefinition<P, R> {
  const { name, retries = DEFAULT_RETRIES, timeoutMs = DEFAULT_TIMEOUT_MS, every, cron } = spec;
  const fail = optionFailure('defineJob');
  if (typeof name !== 'string' || !NAME.test(name)) fail('name', name, '1 to 64 letters, digits, ".", "_" or "-"');
  if (!Number.isInteger(retries) || retries < 0 || retries > 100)
    fail(`${name}'s retries`, retries, 'a whole number from 0 to 100');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 24 * 3_600_000)
    fail(`${name}'s timeoutMs`, timeoutMs, 'a whole number of milliseconds, 1 to a day');
  if (every !== undefined && (!Number.isInteger(every) || every < 1_000))
    fail(`${name}'s every`, every, 'a whole number of milliseconds, 1000 or more');
  if (cron !== undefined && (typeof cron !== 'string' || cron.trim().split(/\s+/).length < 5))
    fail(`${name}'s cron`, cron, 'a cron pattern of 5 or 6 fields ("0 3 * * *")');
  if (every !== undefined && cron !== undefined) fail(`${name}'s schedule`, { every, cron }, 'every or cron, not both');
  return Object.freeze({ ...spec, retries, timeoutMs });
}

/**
 * `defineJob` for an app whose processes share resources of type R: the app makes its own once
 * (src/app/jobs/job.ts), so each job's handler knows what `resources` holds.
 */
export const defineJobFor =
  <R>() =>
  <P>(spec: JobSpec<P, R>): JobDefinition<P, R> =>
    checked(spec);
