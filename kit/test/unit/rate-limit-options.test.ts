import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AppContext, type RateLimitOptions, rateLimit } from '../../../src/runtime/contract.ts';

// The options are checked before the context is read: a bad one stops createApp at once.
const noContext = {} as AppContext;

describe('rateLimit refuses options that cannot be right, naming the field and what is allowed', () => {
  const bad: [Partial<RateLimitOptions>, RegExp][] = [
    [{ name: 'log in' }, /^rateLimit: name is "log in": it must be letters, digits, "\.", "_" or "-"$/],
    [{ limit: 0 }, /^rateLimit: login's limit is 0: it must be a whole number of requests, 1 or more$/],
    [{ limit: 2.5 }, /login's limit is 2\.5/],
    [
      { windowMs: 0 },
      /^rateLimit: login's windowMs is 0: it must be a whole number of milliseconds from 1 to 2147483647$/,
    ],
    [{ windowMs: 2 ** 31 }, /login's windowMs is 2147483648/],
  ];
  for (const [override, message] of bad)
    it(JSON.stringify(override), () => {
      assert.throws(() => rateLimit(noContext, { name: 'login', limit: 5, windowMs: 60_000, ...override }), {
        name: 'TypeError',
        message,
      });
    });
});
