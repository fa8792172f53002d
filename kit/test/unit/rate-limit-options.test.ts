import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import express from 'express';
import { type AppContext, type AppFactory, type RateLimitOptions, rateLimit } from '../../../src/runtime/contract.ts';
import { startApp } from '../helpers/app-server.ts';

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

it('a second limit of the same name in one app is refused; another app may use it', async (t) => {
  const twice: AppFactory = (ctx) => {
    rateLimit(ctx, { name: 'login', limit: 5, windowMs: 60_000 });
    rateLimit(ctx, { name: 'login', limit: 100, windowMs: 60_000 });
    return express();
  };
  await assert.rejects(startApp(t, { app: twice }), {
    name: 'TypeError',
    message:
      'rateLimit: name is "login": it must be unique in the app: another rateLimit has it, and would share its counts',
  });
  const once: AppFactory = (ctx) => {
    rateLimit(ctx, { name: 'login', limit: 5, windowMs: 60_000 });
    return express();
  };
  await startApp(t, { app: once });
});
