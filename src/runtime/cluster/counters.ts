/**
 * Counters the whole dyno shares: the primary holds them for its workers, and a process that
 * serves alone holds its own. Adding 0 reads one.
 */
export function createCounters(): (name: string, add: number) => number {
  const counters = new Map<string, number>();
  return (name, add) => {
    const total = (counters.get(name) ?? 0) + add;
    counters.set(name, total);
    return total;
  };
}

/** A count in a fixed window: `count` hits since the window opened, which closes at `resetAt` (epoch ms). */
export interface WindowCount {
  readonly count: number;
  readonly resetAt: number;
}

export interface CountInWindow {
  (key: string, windowMs: number, add: number): WindowCount;
  /** How many keys it holds now: what its memory grows with. */
  held(): number;
}

/**
 * Counts the whole dyno shares for its rate limits, one fixed window per key, as
 * express-rate-limit's own MemoryStore counts within one process: the primary holds them for its
 * workers, and a process that serves alone holds its own. A key's window opens with its first
 * hit and closes `windowMs` later; closed ones are dropped at most once a second, so the map
 * holds only the keys seen within a window, however many clients come and go.
 */
export function createWindows(now: () => number = Date.now): CountInWindow {
  const windows = new Map<string, { count: number; resetAt: number }>();
  let sweptAt = now();
  const countInWindow = (key: string, windowMs: number, add: number): WindowCount => {
    const at = now();
    if (at - sweptAt >= 1_000) {
      sweptAt = at;
      for (const [k, w] of windows) if (w.resetAt <= at) windows.delete(k);
    }
    let window = windows.get(key);
    if (window === undefined || window.resetAt <= at) {
      window = { count: 0, resetAt: at + windowMs };
      windows.set(key, window);
    }
    window.count = Math.max(0, window.count + add);
    return { count: window.count, resetAt: window.resetAt };
  };
  return Object.assign(countInWindow, { held: () => windows.size });
}
