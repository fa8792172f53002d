export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 100, maxMs: 30_000 };

/**
 * Delay before restart number `attempt` (0-based) of a worker that died. Exponential, with
 * "equal jitter": never less than half the step, so a crash loop cannot spin, and never
 * the same for two workers, so workers that died together do not come back in lockstep.
 */
export function restartDelay(attempt: number, backoff: Backoff = DEFAULT_BACKOFF, random = Math.random): number {
  const step = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt);
  return Math.round(step / 2 + (random() * step) / 2);
}
