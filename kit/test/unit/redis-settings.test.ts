// REDIS_URL as the kit parses it (src/runtime/redis/settings.ts): TLS per URL and platform, a
// bad value named without echoing it, the boot line without one, and the prefix of its keys.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/runtime/config.ts';
import { NO_REDIS } from '../../../src/runtime/redis/settings.ts';

const redisOf = (env: Record<string, string>) => loadConfig(env).redis;

describe('REDIS_URL', () => {
  it('unset or empty: no Redis, and the boot line says how to attach one', () => {
    assert.equal(redisOf({}), null);
    assert.equal(redisOf({ REDIS_URL: ' ' }), null);
    assert.match(NO_REDIS, /heroku addons:create heroku-redis:mini/);
  });

  it('redis:// is plain text, wherever it runs', () => {
    const redis = redisOf({ REDIS_URL: 'redis://red-abc123:6379', PLATFORM: 'render' });
    assert.deepEqual(
      [redis?.host, redis?.tls, redis?.tlsReason],
      ['red-abc123:6379', { tls: false }, 'redis:// URL: no TLS'],
    );
  });

  it("rediss:// on Heroku, Cedar or Fir: TLS without verifying Key-Value Store's self-signed certificate", () => {
    for (const env of [{ DYNO: 'web.1' }, { PLATFORM: 'heroku-fir' }] as Record<string, string>[]) {
      const redis = redisOf({ ...env, REDIS_URL: 'rediss://:p4ss@ec2-1-2-3-4.compute-1.amazonaws.com:20550' });
      assert.deepEqual(redis?.tls, { tls: true, rejectUnauthorized: false });
      assert.match(String(redis?.tlsReason), /self-signed/);
    }
  });

  it('rediss:// elsewhere: TLS, the certificate verified', () => {
    const redis = redisOf({ REDIS_URL: 'rediss://default:p4ss@fly-app.upstash.io:6379', PLATFORM: 'fly' });
    assert.deepEqual(redis?.tls, { tls: true, rejectUnauthorized: true });
    assert.equal(redis?.host, 'fly-app.upstash.io:6379');
  });

  it('anything else is refused in one line naming REDIS_URL, never showing the value', () => {
    for (const value of [
      'http://user:s3cret@host:6379',
      'redis:',
      'not a url s3cret',
      'redis://user:s3cret@x:notaport',
    ]) {
      assert.throws(
        () => redisOf({ REDIS_URL: value }),
        (err: Error) =>
          err.message ===
            `REDIS_URL="<${value.length} characters>" is not valid: expected a URL of the form redis://user:password@host:6379 (rediss:// for TLS)` &&
          !err.message.includes('s3cret'),
      );
    }
  });
});

describe('REDIS_KEY_PREFIX', () => {
  const url = 'redis://127.0.0.1:6379';

  it('is kit unless set, and what the variable says when it is', () => {
    assert.equal(redisOf({ REDIS_URL: url })?.keyPrefix, 'kit');
    assert.equal(redisOf({ REDIS_URL: url, REDIS_KEY_PREFIX: ' ' })?.keyPrefix, 'kit');
    assert.equal(redisOf({ REDIS_URL: url, REDIS_KEY_PREFIX: 'notes-staging' })?.keyPrefix, 'notes-staging');
  });

  it('anything but letters, digits, ".", "_" or "-" is refused in one line naming it, with Redis or without', () => {
    for (const value of ['notes:staging', 'a b', 'x'.repeat(65)])
      for (const redis of [{ REDIS_URL: url }, {}] as Record<string, string>[])
        assert.throws(() => redisOf({ ...redis, REDIS_KEY_PREFIX: value }), {
          name: 'ConfigError',
          message: `REDIS_KEY_PREFIX=${JSON.stringify(value)} is not valid: expected 1 to 64 letters, digits, ".", "_" or "-" (no ":")`,
        });
  });
});
