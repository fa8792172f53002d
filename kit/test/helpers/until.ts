import assert from 'node:assert/strict';

/**
 * Asks again until `done` holds, for what changes with no event to wait for (a report in Redis,
 * a row a job wrote): every 100 ms, failing with the last value after `withinMs`.
 */
export async function until<T>(
  what: string,
  ask: () => Promise<T>,
  done: (value: T) => boolean,
  withinMs: number,
): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  for (;;) {
    const value = await ask();
    if (done(value)) return { value, ms: performance.now() - started };
    if (performance.now() - started > withinMs)
      assert.fail(`${what}: not within ${withinMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
