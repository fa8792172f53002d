// Teaching routes: they make the cluster's effect visible, and a drain's patience.
import { setTimeout as sleep } from 'node:timers/promises';
import { Router } from 'express';
import {
  type Database,
  NO_DATABASE,
  type ProcessIdentity,
  type ResourceHandle,
  withDatabase,
} from '../runtime/contract.ts';

export interface DemoLimits {
  /** The longest burn or sleep one request may ask for. */
  readonly maxMs: number;
  /**
   * The share of this process's CPU that /demo/cpu may take over time, or null for no limit.
   * A burn blocks the whole process, so a visitor looping on it would pin every worker: past
   * the share, a burn is refused with 429 until the budget refills.
   */
  readonly cpuShare: number | null;
}

export const DEVELOPMENT_LIMITS: DemoLimits = { maxMs: 10_000, cpuShare: null };
/** A public demo still shows one worker busy while another answers, and costs a dyno at most a quarter. */
export const PRODUCTION_LIMITS: DemoLimits = { maxMs: 500, cpuShare: 0.25 };

class DemoError extends Error {
  readonly expose = true;
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function parseMs(raw: unknown, maxMs: number): number {
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) > maxMs) {
    throw new DemoError(400, `ms must be a whole number from 0 to ${maxMs}, got ${JSON.stringify(raw ?? null)}`);
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

/** A token bucket of CPU milliseconds: it holds one longest burn and refills at `share` of real time. */
function cpuBudget(limits: DemoLimits) {
  let balance = limits.maxMs;
  let updatedAt = performance.now();
  return (ms: number): number | null => {
    if (limits.cpuShare === null) return null;
    const now = performance.now();
    balance = Math.min(limits.maxMs, balance + (now - updatedAt) * limits.cpuShare);
    updatedAt = now;
    if (ms <= balance) {
      balance -= ms;
      return null;
    }
    return Math.ceil((ms - balance) / limits.cpuShare / 1000);
  };
}

export function demoRoutes(
  identity: ProcessIdentity,
  limits: DemoLimits = DEVELOPMENT_LIMITS,
  database: ResourceHandle<Database> | null = null,
): Router {
  const router = Router();
  const spend = cpuBudget(limits);
  router.get('/cpu', (req, res) => {
    const ms = parseMs(req.query.ms, limits.maxMs);
    const retryAfterSeconds = spend(ms);
    if (retryAfterSeconds !== null) {
      res.set('Retry-After', String(retryAfterSeconds));
      throw new DemoError(429, `this worker's CPU demo budget is spent: try again in ${retryAfterSeconds} s`);
    }
    const started = performance.now();
    burnCpu(ms);
    res.json({ ...identity, ms, tookMs: Math.round(performance.now() - started) });
  });
  // Waiting is not working: the event loop serves other requests meanwhile.
  router.get('/sleep', async (req, res) => {
    const ms = parseMs(req.query.ms, limits.maxMs);
    const started = performance.now();
    await sleep(ms);
    res.json({ ...identity, ms, tookMs: Math.round(performance.now() - started) });
  });
  // Holds one of this worker's database connections for N ms: a drain waits for it, and the
  // pool is closed only after it.
  router.get('/db-sleep', async (req, res) => {
    const ms = parseMs(req.query.ms, limits.maxMs);
    if (database === null) throw new DemoError(503, NO_DATABASE);
    const started = performance.now();
    await withDatabase(database, (pool) => pool.query('select pg_sleep($1)', [ms / 1000]));
    res.json({ ...identity, ms, tookMs: Math.round(performance.now() - started) });
  });
  return router;
}
