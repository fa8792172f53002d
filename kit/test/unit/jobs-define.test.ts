import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineJobFor, type JobSpec } from '../../../src/runtime/contract.ts';

const defineJob = defineJobFor<unknown>();
const run = () => {};

describe('defineJob', () => {
  it('fills in 3 retries and a 60 s timeout', () => {
    const job = defineJob<{ n: number }>({ name: 'send-welcome', run });
    assert.deepEqual([job.name, job.retries, job.timeoutMs], ['send-welcome', 3, 60_000]);
  });

  const bad: [Partial<JobSpec<unknown, unknown>>, RegExp][] = [
    [{ name: 'send welcome' }, /^defineJob: name is "send welcome": it must be 1 to 64 letters, digits/],
    [{ retries: -1 }, /^defineJob: x's retries is -1: it must be a whole number from 0 to 100$/],
    [{ timeoutMs: 0 }, /x's timeoutMs is 0: it must be a whole number of milliseconds, 1 to a day/],
    [{ every: 10 }, /x's every is 10: it must be a whole number of milliseconds, 1000 or more/],
    [{ cron: 'daily' }, /x's cron is "daily": it must be a cron pattern of 5 or 6 fields/],
    [{ every: 60_000, cron: '0 3 * * *' }, /x's schedule .*: it must be every or cron, not both/],
  ];
  for (const [override, message] of bad)
    it(`refuses ${JSON.stringify(override)}, naming the field`, () => {
      assert.throws(() => defineJob({ name: 'x', run, ...override }), { name: 'TypeError', message });
    });
});
