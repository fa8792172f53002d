// Teaching routes: they make the cluster's effect visible. Delete this file and its one
// `app.use('/demo', ...)` line in src/app.ts when you build your own app on the kit.
import { setTimeout as sleep } from 'node:timers/promises';
import { Router } from 'express';
import type { ProcessIdentity } from '../identity.ts';

export const MAX_DEMO_MS = 10_000;

class DemoInputError extends Error {
  readonly status = 400;
  readonly expose = true;
}

function parseMs(raw: unknown): number {
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) > MAX_DEMO_MS) {
    throw new DemoInputError(`ms must be a whole number from 0 to ${MAX_DEMO_MS}, got ${JSON.stringify(raw ?? null)}`);
  }
  return Number(raw);
}

/** Keeps this process's only thread busy: while it spins, this worker serves nobody else. */
function burnCpu(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

export function demoRoutes(identity: ProcessIdentity): Router {
  const router = Router();
  router.get('/cpu', (req, res) => {
    const ms = parseMs(req.query.ms);
    const started = performance.now();
    burnCpu(ms);
    res.json({ ...identity, ms, tookMs: Math.round(performance.now() - started) });
  });
  // Waiting is not working: the event loop serves other requests meanwhile.
  router.get('/sleep', async (req, res) => {
    const ms = parseMs(req.query.ms);
    const started = performance.now();
    await sleep(ms);
    res.json({ ...identity, ms, tookMs: Math.round(performance.now() - started) });
  });
  return router;
}
