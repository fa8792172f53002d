// The app's job queue, as any process sees it: enqueue a job for the worker process type, and
// read what the queue holds. BullMQ keeps it in the app's Redis, through the app's own client
// (node-redis, adapted by BullMQ's createNodeRedisClient): enqueuing costs no connection of its
// own, and bullmq is loaded by the first process that enqueues or looks.
import type { Queue } from 'bullmq';
import { optionFailure } from '../option-error.ts';
import type { Redis } from '../redis/client.ts';
import { NO_REDIS } from '../redis/settings.ts';
import type { ResourceHandle } from '../resources.ts';
import type { EnqueueOptions, Jobs } from '../types.ts';
import type { JobDefinition } from './define.ts';

export type { EnqueueOptions, JobCounts, JobSummary, Jobs } from '../types.ts';

/** BullMQ's keys for the app: <REDIS_KEY_PREFIX>:jobs:*. */
export const QUEUE_NAME = 'jobs';
/** Finished jobs kept for the page and /metrics; older ones are removed as new ones finish. */
const KEEP_FINISHED = 1_000;

/** No Redis, or none answering: the route that enqueues answers 503 with the reason. */
export class JobsUnavailable extends Error {
  readonly status = 503;
  readonly expose = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'JobsUnavailable';
  }
}

/** BullMQ's options for every job of `job`'s kind: its retries, with a backoff, and what is kept. */
export const jobOptions = (job: Pick<JobDefinition<unknown>, 'retries'>) => ({
  attempts: job.retries + 1,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { count: KEEP_FINISHED },
  removeOnFail: { count: KEEP_FINISHED },
});

/**
 * The options, or a TypeError that names the one that is wrong. BullMQ refuses an id that is a
 * whole number or holds a ":" (its own ids are numbers; classes/job.js, validateOptions): said
 * here, not as a 503 that tells the client to retry what can never succeed.
 */
function checked(job: { readonly name: string }, options: EnqueueOptions): EnqueueOptions {
  const { id, delayMs } = options;
  const fail = optionFailure(`enqueue(${job.name})`);
  if (
    id !== undefined &&
    (typeof id !== 'string' || id === '' || `${Number.parseInt(id, 10)}` === id || id.includes(':'))
  )
    fail('id', id, 'a string that is not a whole number and holds no ":", such as "note-42"');
  if (delayMs !== undefined && (!Number.isInteger(delayMs) || delayMs < 0))
    fail('delayMs', delayMs, 'a whole number of milliseconds, 0 or more');
  return options;
}

/** `prefix`: REDIS_KEY_PREFIX (redis/settings.ts). */
export function createJobs(redis: () => ResourceHandle<Redis> | null, prefix: string): Jobs {
  // One Queue per client: after an outage the resource may hand out a new one.
  let current: { client: Redis; queue: Queue } | undefined;
  const queue = async (): Promise<Queue> => {
    const handle = redis();
    if (handle === null) throw new JobsUnavailable(`jobs need Redis: ${NO_REDIS}`);
    if (!handle.available) throw new JobsUnavailable('jobs need Redis, which is not answering now: try again shortly');
    const client = handle.value;
    if (current?.client !== client) {
      const { Queue, createNodeRedisClient } = await import('bullmq');
      current = {
        client,
        queue: new Queue(QUEUE_NAME, { connection: createNodeRedisClient(client), prefix }),
      };
    }
    return current.queue;
  };
  const failing = async <T>(act: (q: Queue) => Promise<T>): Promise<T> => {
    const q = await queue();
    try {
      return await act(q);
    } catch (err) {
      // The driver's words stay in the log (the error handler logs the cause): they may hold a
      // host or a user.
      throw new JobsUnavailable('the job queue is unavailable: try again shortly', { cause: err });
    }
  };
  return {
    enqueue: async (job, payload, options = {}) => {
      const { id, delayMs } = checked(job, options);
      return failing(async (q) => {
        const added = await q.add(job.name, payload, {
          ...jobOptions(job),
          ...(id === undefined ? {} : { jobId: id }),
          ...(delayMs === undefined ? {} : { delay: delayMs }),
        });
        return { id: String(added.id) };
      });
    },
    counts: () =>
      failing(async (q) => {
        const c = await q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
        return {
          waiting: c.waiting ?? 0,
          active: c.active ?? 0,
          delayed: c.delayed ?? 0,
          completed: c.completed ?? 0,
          failed: c.failed ?? 0,
        };
      }),
    durations: (count = 100) =>
      failing(async (q) =>
        (await q.getJobs(['completed'], 0, count - 1, false)).flatMap((j) =>
          j.finishedOn && j.processedOn ? [j.finishedOn - j.processedOn] : [],
        ),
      ),
    recent: (count = 20) =>
      failing(async (q) => {
        const jobs = await q.getJobs(['active', 'waiting', 'delayed', 'completed', 'failed'], 0, count - 1, false);
        const summaries = await Promise.all(
          jobs.map(async (j) => ({
            id: String(j.id),
            name: j.name,
            state: await j.getState(),
            attempts: j.attemptsStarted ?? j.attemptsMade,
            ranBy: j.processedBy ?? null,
            ms: j.finishedOn && j.processedOn ? j.finishedOn - j.processedOn : null,
            failedReason: j.failedReason || null,
            finishedAt: j.finishedOn ?? null,
            at: j.timestamp,
          })),
        );
        return summaries
          .sort((a, b) => b.at - a.at)
          .slice(0, count)
          .map(({ at: _, ...s }) => s);
      }),
  };
}
