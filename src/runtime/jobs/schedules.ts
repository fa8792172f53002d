// The app's schedules, made the queue's: a job with `every` or `cron` has a BullMQ job scheduler
// of its name, upserted; one whose job no longer has a schedule (its `every` or `cron` taken
// away, or the job itself) is removed, or the queue would go on enqueuing it, every time, for
// good. Upserts are by name, so however many runners and dynos make them, each time is enqueued
// once (docs.bullmq.io/guide/job-schedulers).
import type { Queue } from 'bullmq';
import type { AnyJob } from './define.ts';
import { jobOptions } from './queue.ts';

export interface ScheduleChanges {
  /** Each scheduled job as the log says it: `nightly-report 0 3 * * *`. */
  readonly set: readonly string[];
  /** The names whose schedules were removed. */
  readonly removed: readonly string[];
}

const when = (job: AnyJob) => (job.every !== undefined ? `every ${job.every} ms` : `cron "${job.cron}"`);

/** Rejects, naming the job and its schedule, when the queue refuses one (a cron it cannot parse). */
export async function syncSchedules(queue: Queue, jobs: readonly AnyJob[]): Promise<ScheduleChanges> {
  const scheduled = jobs.filter((job) => job.every !== undefined || job.cron !== undefined);
  for (const job of scheduled) {
    try {
      await queue.upsertJobScheduler(job.name, job.every !== undefined ? { every: job.every } : { pattern: job.cron }, {
        name: job.name,
        data: {},
        opts: jobOptions(job),
      });
    } catch (err) {
      throw new Error(`${job.name}'s ${when(job)} was refused by the queue: ${(err as Error).message}`, { cause: err });
    }
  }
  const wanted = new Set(scheduled.map((job) => job.name));
  const removed: string[] = [];
  for (const { key } of await queue.getJobSchedulers(0, -1)) {
    if (wanted.has(key)) continue;
    await queue.removeJobScheduler(key);
    removed.push(key);
  }
  return { set: scheduled.map((job) => `${job.name} ${when(job)}`), removed };
}
