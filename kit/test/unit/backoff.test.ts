import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restartDelay } from '../../../src/runtime/cluster/backoff.ts';

describe('restartDelay', () => {
  const backoff = { initialMs: 100, maxMs: 1_000 };
  const rows: [attempt: number, lowest: number, highest: number][] = [
    [0, 50, 100],
    [1, 100, 200],
    [2, 200, 400],
    [3, 400, 800],
    [4, 500, 1_000],
    [20, 500, 1_000],
  ];
  for (const [attempt, lowest, highest] of rows) {
    it(`attempt ${attempt} waits between ${lowest} and ${highest} ms`, () => {
      assert.equal(
        restartDelay(attempt, backoff, () => 0),
        lowest,
      );
      assert.equal(
        restartDelay(attempt, backoff, () => 1),
        highest,
      );
    });
  }
});
