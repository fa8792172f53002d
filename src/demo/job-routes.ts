// /api/jobs: the queue as the page shows it (counts, and the latest jobs with who ran each), and
// a batch of sample jobs for the worker process type to run.
import express, { Router } from 'express';
import { type AppContext, JobsUnavailable } from '../runtime/contract.ts';
import { MAX_SAMPLE_MS, sampleJob } from './jobs.ts';

const MAX_BATCH = 100;

export function jobRoutes(ctx: AppContext): Router {
  const router = Router();
  // Without Redis, what the page shows is why: an answer, not an error.
  router.get('/jobs', async (_req, res) => {
    try {
      const [counts, recent] = await Promise.all([ctx.jobs.counts(), ctx.jobs.recent(20)]);
      res.json({ counts, recent, note: null });
    } catch (err) {
      if (!(err instanceof JobsUnavailable)) throw err;
      res.json({ counts: null, recent: [], note: err.message });
    }
  });
  router.post('/jobs', express.json({ limit: '1kb' }), async (req, res) => {
    const { count = 10, ms = 500 } = (req.body ?? {}) as { count?: unknown; ms?: unknown };
    if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > MAX_BATCH) {
      res.status(400).json({ error: 'Bad Request', message: `count must be a whole number from 1 to ${MAX_BATCH}` });
      return;
    }
    if (!Number.isInteger(ms) || (ms as number) < 0 || (ms as number) > MAX_SAMPLE_MS) {
      res.status(400).json({ error: 'Bad Request', message: `ms must be a whole number from 0 to ${MAX_SAMPLE_MS}` });
      return;
    }
    const ids = [];
    for (let i = 0; i < (count as number); i++) ids.push((await ctx.jobs.enqueue(sampleJob, { ms: ms as number })).id);
    res.status(202).json({ enqueued: ids });
  });
  return router;
}
