import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWindows } from '../../../src/runtime/cluster/counters.ts';

describe('createWindows: the counts a rate limit keeps without Redis', () => {
  it("counts a key's hits in a window that opens with its first hit and closes windowMs later", () => {
    let now = 1_000;
    const hit = createWindows(() => now);
    assert.deepEqual(hit('a', 500, 1), { count: 1, resetAt: 1_500 });
    now = 1_200;
    assert.deepEqual(hit('a', 500, 1), { count: 2, resetAt: 1_500 });
    assert.deepEqual(hit('b', 500, 1), { count: 1, resetAt: 1_700 }, 'each key its own');
    now = 1_500;
    assert.deepEqual(hit('a', 500, 1), { count: 1, resetAt: 2_000 }, 'a closed window starts again from 1');
  });

  it('takes hits back, never below 0, and reads with 0', () => {
    const hit = createWindows(() => 0);
    hit('a', 100, 1);
    assert.equal(hit('a', 100, -1).count, 0);
    assert.equal(hit('a', 100, -1).count, 0);
    hit('a', 100, 3);
    assert.equal(hit('a', 100, -Number.MAX_SAFE_INTEGER).count, 0);
    assert.equal(hit('a', 100, 0).count, 0);
  });

  it('forgets closed windows, so the keys held are only those seen within a window', () => {
    let now = 0;
    const hit = createWindows(() => now);
    for (let i = 0; i < 1_000; i++) hit(`client-${i}`, 100, 1);
    now = 2_000;
    assert.equal(hit.held(), 1_000);
    // Swept at most once a second, by a hit: every closed window goes.
    hit('new', 100, 1);
    assert.equal(hit.held(), 1);
  });
});
