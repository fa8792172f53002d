import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/runtime/config.ts';

describe('loadConfig', () => {
  it('gives the documented defaults for an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.platform, 'unknown');
    assert.equal(config.instance, null);
    assert.equal(config.port, 3000);
    assert.equal(config.nodeEnv, 'development');
    assert.equal(config.logLevel, 'info');
    assert.equal(config.logFormat, 'pretty');
    assert.equal(config.shutdown.ms, 25_000);
    assert.equal(config.workerReadyTimeoutMs, 30_000);
    assert.deepEqual(
      { ...config.concurrency },
      {
        webConcurrency: undefined,
        webConcurrencySetBy: undefined,
        clusterWorkers: undefined,
        herokuAvailableParallelism: undefined,
        webMemoryMb: undefined,
        platformCpus: undefined,
      },
    );
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DYNO: 'web.2',
      PORT: '5006',
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT: '10',
      WORKER_READY_TIMEOUT: '5',
      WEB_CONCURRENCY: '4',
      WEB_CONCURRENCY_SET_BY: 'heroku/nodejs',
      CLUSTER_WORKERS: '3',
      HEROKU_AVAILABLE_PARALLELISM: '8',
      WEB_MEMORY: '1024',
    });
    assert.equal(config.platform, 'heroku-fir');
    assert.equal(config.instance, 'web.2');
    assert.equal(config.port, 5006);
    assert.equal(config.logFormat, 'json', 'production logs JSON unless told otherwise');
    assert.equal(config.shutdown.ms, 10_000);
    assert.equal(config.workerReadyTimeoutMs, 5_000);
    assert.deepEqual(
      { ...config.concurrency },
      {
        webConcurrency: 4,
        webConcurrencySetBy: 'heroku/nodejs',
        clusterWorkers: 3,
        herokuAvailableParallelism: 8,
        webMemoryMb: 1024,
        platformCpus: undefined,
      },
    );
    assert.equal(loadConfig({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' }).logFormat, 'pretty');
  });

  it("reads a value with spaces around it as the value, as it reads the numbers and the app's variables", () => {
    const config = loadConfig({ NODE_ENV: ' production ', LOG_LEVEL: 'debug ', PLATFORM: ' render', PORT: ' 5006 ' });
    assert.deepEqual(
      [config.nodeEnv, config.logLevel, config.platform, config.port],
      ['production', 'debug', 'render', 5006],
    );
  });

  it("trusts the platform's proxy hops, unless TRUST_PROXY says otherwise", () => {
    assert.deepEqual(
      [{ DYNO: 'web.1' }, { FLY_MACHINE_ID: 'm1' }, { RENDER: 'true' }, {}].map((env) => loadConfig(env).proxy.hops),
      [1, 2, 3, 1],
    );
    assert.match(loadConfig({ FLY_MACHINE_ID: 'm1' }).proxy.reason, /^Fly\.io: /);
    assert.deepEqual(loadConfig({ FLY_MACHINE_ID: 'm1', TRUST_PROXY: '0' }).proxy, { hops: 0, reason: 'TRUST_PROXY' });
  });

  it('is frozen', () => {
    const config = loadConfig({});
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });

  const bad: [string, string, RegExp][] = [
    ['DYNO', 'web 1<script>', /DYNO="web 1<script>" is not valid: expected 1 to 100 letters/],
    ['FLY_MACHINE_ID', 'a b', /FLY_MACHINE_ID="a b" is not valid: expected 1 to 100 letters/],
    ['PLATFORM', 'heroku', /PLATFORM="heroku" is not valid: expected one of heroku-cedar, heroku-fir, render, fly/],
    ['RENDER_CPU_COUNT', '0', /RENDER_CPU_COUNT="0" is not valid: expected a number above 0/],
    ['RENDER_CPU_COUNT', 'half', /RENDER_CPU_COUNT="half"/],
    ['PORT', 'abc', /PORT="abc" is not valid: expected a whole number from 0 to 65535/],
    ['PORT', '70000', /PORT="70000" .* from 0 to 65535/],
    ['PORT', '-1', /PORT="-1"/],
    ['PORT', '', /PORT=""/],
    ['NODE_ENV', 'prod', /NODE_ENV="prod" is not valid: expected one of development, production, test/],
    ['LOG_LEVEL', 'verbose', /LOG_LEVEL="verbose" .* one of debug, info, warn, error, silent/],
    ['LOG_FORMAT', 'xml', /LOG_FORMAT="xml" .* one of json, pretty/],
    ['SHUTDOWN_TIMEOUT', '0', /SHUTDOWN_TIMEOUT="0" .* from 1 to 3600/],
    ['SHUTDOWN_TIMEOUT', '2.5', /SHUTDOWN_TIMEOUT="2.5"/],
    ['WORKER_READY_TIMEOUT', 'soon', /WORKER_READY_TIMEOUT="soon"/],
    ['WEB_CONCURRENCY', 'abc', /WEB_CONCURRENCY="abc" .* from 1 to 128/],
    ['WEB_CONCURRENCY', '0', /WEB_CONCURRENCY="0"/],
    ['WEB_CONCURRENCY', '-1', /WEB_CONCURRENCY="-1"/],
    ['WEB_CONCURRENCY', '1.5', /WEB_CONCURRENCY="1.5"/],
    ['WEB_CONCURRENCY', '', /WEB_CONCURRENCY=""/],
    ['WEB_CONCURRENCY', '129', /WEB_CONCURRENCY="129"/],
    ['CLUSTER_WORKERS', 'two', /CLUSTER_WORKERS="two" .* from 1 to 128/],
    ['HEROKU_AVAILABLE_PARALLELISM', '0', /HEROKU_AVAILABLE_PARALLELISM="0"/],
    ['WEB_MEMORY', '8', /WEB_MEMORY="8" .* from 16 to 1048576/],
    ['TRUST_PROXY', '11', /TRUST_PROXY="11" .* from 0 to 10/],
    ['TRUST_PROXY', 'true', /TRUST_PROXY="true" .* from 0 to 10/],
    ['RAILWAY_DEPLOYMENT_DRAINING_SECONDS', '-3', /RAILWAY_DEPLOYMENT_DRAINING_SECONDS="-3" .* from 0 to 3600/],
  ];
  for (const [variable, value, message] of bad) {
    it(`rejects ${variable}=${JSON.stringify(value)}, naming the variable`, () => {
      assert.throws(
        // Railway's variable is read on Railway only.
        () =>
          loadConfig({ [variable]: value, ...(variable.startsWith('RAILWAY') ? { RAILWAY_REPLICA_ID: 'r1' } : {}) }),
        (err: unknown) => err instanceof ConfigError && err.variable === variable && message.test(err.message),
      );
    });
  }
});
