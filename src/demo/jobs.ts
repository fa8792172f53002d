// The teaching surface's job: a sample that uses the CPU for `ms` and says which process of
// which dyno ran it, so the page can show work spread over the runners and retried when one
// is killed mid-job.
import { defineJobFor } from '../runtime/contract.ts';

/** Kept short: a batch of these shows the runners sharing work in a few seconds. */
export const MAX_SAMPLE_MS = 5_000;

export const sampleJob = defineJobFor<unknown>()<{ ms: number }>({
  name: 'demo-sample',
  retries: 2,
  timeoutMs: 2 * MAX_SAMPLE_MS,
  async run({ ms }, { ctx, signal, attempt }) {
    const until = performance.now() + Math.min(ms, MAX_SAMPLE_MS);
    // In slices, so a runner that stops can take the job back between them.
    while (performance.now() < until) {
      signal.throwIfAborted();
      const slice = Math.min(until, performance.now() + 20);
      while (performance.now() < slice);
      await new Promise((resolve) => setImmediate(resolve));
    }
    const { instance, workerId, pid } = ctx.identity;
    return { instance, runner: workerId, pid, attempt };
  },
});

export const demoJobs = [sampleJob];
