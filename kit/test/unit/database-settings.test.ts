import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ConfigError, loadConfig } from '../../../src/runtime/config.ts';
import { databaseSettings, planPool } from '../../../src/runtime/database/settings.ts';

const HEROKU = 'postgres://u1ab:p4ssw0rdXYZ@ec2-52-1-2-3.compute-1.amazonaws.com:5432/d9abc';

describe('DATABASE_URL', () => {
  it('unset or empty: no database, and the app serves without one', () => {
    assert.equal(databaseSettings({}), null);
    assert.equal(databaseSettings({ DATABASE_URL: '' }), null);
    assert.equal(databaseSettings({ DATABASE_URL: '  ' }), null);
  });

  for (const [name, env, expected] of [
    [
      "Heroku Postgres's shape: TLS without verification",
      { DATABASE_URL: HEROKU },
      { tls: { rejectUnauthorized: false }, host: 'ec2-52-1-2-3.compute-1.amazonaws.com', database: 'd9abc' },
    ],
    [
      'a local server by name: plain',
      { DATABASE_URL: 'postgres://localhost/app' },
      { tls: false, host: 'localhost', database: 'app' },
    ],
    [
      'a loopback address: plain',
      { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/test' },
      { tls: false, host: '127.0.0.1', database: 'test' },
    ],
    [
      'IPv6 loopback: plain',
      { DATABASE_URL: 'postgres://u@[::1]:5432/app' },
      { tls: false, host: '[::1]', database: 'app' },
    ],
    [
      'a socket directory: plain',
      { DATABASE_URL: 'postgres:///app?host=%2Fvar%2Frun%2Fpostgresql' },
      { tls: false, host: '/var/run/postgresql', database: 'app' },
    ],
    ['sslmode=disable in the URL wins over the host', { DATABASE_URL: `${HEROKU}?sslmode=disable` }, { tls: false }],
    [
      'sslmode=require: TLS, not verified, as libpq',
      { DATABASE_URL: 'postgres://localhost/app?sslmode=require' },
      { tls: { rejectUnauthorized: false } },
    ],
    [
      'sslmode=verify-full: verified',
      { DATABASE_URL: `${HEROKU}?sslmode=verify-full` },
      { tls: { rejectUnauthorized: true } },
    ],
    [
      'PGSSLMODE when the URL says nothing',
      { DATABASE_URL: 'postgres://localhost/app', PGSSLMODE: 'no-verify' },
      { tls: { rejectUnauthorized: false } },
    ],
    [
      "the URL's sslmode over PGSSLMODE",
      { DATABASE_URL: `${HEROKU}?sslmode=disable`, PGSSLMODE: 'verify-full' },
      { tls: false },
    ],
  ] as const) {
    it(name, () => {
      const settings = databaseSettings(env);
      assert.ok(settings);
      for (const [key, value] of Object.entries(expected))
        assert.deepEqual(settings[key as keyof typeof settings], value, key);
    });
  }

  it('verify-ca verifies the chain, not the host name', () => {
    const tls = databaseSettings({ DATABASE_URL: `${HEROKU}?sslmode=verify-ca` })?.tls;
    assert.ok(tls !== false && tls !== undefined, 'TLS on');
    assert.equal(tls.rejectUnauthorized, true);
    assert.equal(tls.checkServerIdentity?.(), undefined, 'any host name passes');
    assert.equal(typeof tls.checkServerIdentity, 'function');
  });

  it('takes sslmode out of the URL pg sees, so pg-connection-string has nothing to warn about', () => {
    const settings = databaseSettings({ DATABASE_URL: `${HEROKU}?sslmode=require&application_name=x` });
    assert.equal(
      settings?.url,
      'postgres://u1ab:p4ssw0rdXYZ@ec2-52-1-2-3.compute-1.amazonaws.com:5432/d9abc?application_name=x',
    );
  });

  it('a URL that is not postgres:// stops the boot without showing it: it holds the password', () => {
    assert.throws(
      () => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@db/app' }),
      (err: ConfigError) => {
        assert.equal(err.variable, 'DATABASE_URL');
        assert.doesNotMatch(err.message, /hunter2/);
        assert.match(err.message, /expected a URL of the form postgres:\/\/user:password@host:5432\/database/);
        return true;
      },
    );
  });

  for (const [env, variable, allowed] of [
    [
      { DATABASE_URL: 'postgres://localhost/app', PGSSLMODE: 'on' },
      'PGSSLMODE',
      /PGSSLMODE="on" is not valid: expected sslmode one of disable, allow, prefer, require, no-verify, verify-ca, verify-full/,
    ],
    [
      { DATABASE_URL: 'postgres://localhost/app?sslmode=yes' },
      'DATABASE_URL',
      /DATABASE_URL="<sslmode=yes>" is not valid/,
    ],
    [{ DATABASE_CONNECTION_BUDGET: '0' }, 'DATABASE_CONNECTION_BUDGET', /expected a whole number from 1 to 500/],
    [{ DATABASE_CONNECTION_BUDGET: '501' }, 'DATABASE_CONNECTION_BUDGET', /expected a whole number from 1 to 500/],
    [{ DATABASE_CONNECTION_BUDGET: 'ten' }, 'DATABASE_CONNECTION_BUDGET', /expected a whole number from 1 to 500/],
  ] as const) {
    it(`${JSON.stringify(env)} is refused, naming ${variable}`, () => {
      assert.throws(
        () => loadConfig(env),
        (err: ConfigError) => err.variable === variable && allowed.test(err.message),
      );
    });
  }
});

describe("each worker's pool", () => {
  for (const [budget, workers, perWorker, summary] of [
    [15, 1, 15, '1 worker x 15 = 15 connections (budget 15)'],
    [15, 2, 7, '2 workers x 7 = 14 connections (budget 15)'],
    [15, 4, 3, '4 workers x 3 = 12 connections (budget 15)'],
    [15, 8, 1, '8 workers x 1 = 8 connections (budget 15)'],
    [1, 1, 1, '1 worker x 1 = 1 connection (budget 1)'],
  ] as const) {
    it(`budget ${budget}, ${workers} workers: ${perWorker} each`, () => {
      const plan = planPool(budget, workers);
      assert.deepEqual([plan.perWorker, plan.summary, plan.overBudget], [perWorker, summary, undefined]);
    });
  }

  it('more workers than the budget: one each, and a warning that names both numbers', () => {
    const plan = planPool(15, 16);
    assert.equal(plan.summary, '16 workers x 1 = 16 connections (budget 15)');
    assert.equal(
      plan.overBudget,
      '16 workers need at least 16 connections, over the budget of 15: raise DATABASE_CONNECTION_BUDGET or lower WEB_CONCURRENCY',
    );
  });

  it("a worker dyno's runners share the budget the same way, and JOB_PROCESSES sets how many", () => {
    assert.equal(planPool(15, 2, 'worker').summary, '2 runners x 7 = 14 connections (budget 15)');
    assert.equal(planPool(15, 1, 'worker').summary, '1 runner x 15 = 15 connections (budget 15)');
    assert.equal(
      planPool(15, 16, 'worker').overBudget,
      '16 runners need at least 16 connections, over the budget of 15: raise DATABASE_CONNECTION_BUDGET or lower JOB_PROCESSES',
    );
  });
});
