import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/runtime/config.ts';
import { buildpackWebMemoryMb } from '../../../src/runtime/platform/buildpacks.ts';
import { type MachineFacts, planWorkers } from '../../../src/runtime/platform/concurrency.ts';

const MB = 1024 * 1024;
const machine = (cpus: number, memoryMb: number, memoryLimited = true): MachineFacts => ({
  availableParallelism: cpus,
  memoryLimitBytes: memoryMb * MB,
  memoryLimited,
});
const cedarMark = { WEB_CONCURRENCY_SET_BY: 'heroku/nodejs' };
const plan = (env: Record<string, string>, facts: MachineFacts) => planWorkers(loadConfig(env).concurrency, facts);

describe('planWorkers', () => {
  const cases: [string, Record<string, string>, MachineFacts, number, string][] = [
    [
      'WEB_CONCURRENCY wins over everything',
      { WEB_CONCURRENCY: '3', CLUSTER_WORKERS: '5' },
      machine(8, 512),
      3,
      'WEB_CONCURRENCY',
    ],
    ['WEB_CONCURRENCY may exceed the cores', { WEB_CONCURRENCY: '6' }, machine(2, 4096), 6, 'WEB_CONCURRENCY'],
    [
      'CLUSTER_WORKERS comes next',
      { CLUSTER_WORKERS: '5', HEROKU_AVAILABLE_PARALLELISM: '2' },
      machine(8, 8192),
      5,
      'CLUSTER_WORKERS',
    ],
    [
      'HEROKU_AVAILABLE_PARALLELISM replaces the CPUs Node sees',
      { HEROKU_AVAILABLE_PARALLELISM: '2' },
      machine(8, 4096),
      2,
      'HEROKU_AVAILABLE_PARALLELISM',
    ],
    [
      'HEROKU_AVAILABLE_PARALLELISM is bounded by memory',
      { HEROKU_AVAILABLE_PARALLELISM: '4' },
      machine(4, 1024),
      2,
      'memory',
    ],
    ['the cores, when memory allows', {}, machine(2, 24 * 1024), 2, 'cores'],
    ['the memory, when it binds first', {}, machine(8, 1024), 2, 'memory'],
    ['never fewer than one', {}, machine(8, 256), 1, 'memory'],
    ['WEB_MEMORY changes the memory bound', { WEB_MEMORY: '256' }, machine(8, 1024), 4, 'memory'],
    [
      'a buildpack WEB_CONCURRENCY is a memory bound, capped by cores',
      { WEB_CONCURRENCY: '28', WEB_CONCURRENCY_SET_BY: 'heroku/nodejs' },
      machine(8, 14336),
      8,
      'cores',
    ],
    [
      'Cedar: a marked figure lower than the cgroup allows (the buildpack reads v1 only) is replaced by ours',
      { WEB_CONCURRENCY: '1', ...cedarMark, WEB_MEMORY: '512' },
      machine(8, 14336),
      8,
      'cores',
    ],
    [
      'Cedar: with no cgroup limit to read, the marked figure is the memory bound',
      { WEB_CONCURRENCY: '2', ...cedarMark },
      machine(8, 64 * 1024, false),
      2,
      'memory',
    ],
    [
      "Fir: the CNB's figure (this dyno's memory / WEB_MEMORY) is a memory bound, capped by the vCPUs",
      { WEB_CONCURRENCY: '8', WEB_MEMORY: '512', HEROKU_AVAILABLE_PARALLELISM: '2' },
      machine(2, 4096),
      2,
      'HEROKU_AVAILABLE_PARALLELISM',
    ],
    [
      "Fir: the CNB's figure for a Fir size with these vCPUs, where Node sees no cgroup limit",
      { WEB_CONCURRENCY: '8', WEB_MEMORY: '512', HEROKU_AVAILABLE_PARALLELISM: '2' },
      machine(2, 24 * 1024, false),
      2,
      'HEROKU_AVAILABLE_PARALLELISM',
    ],
    [
      "Fir: a user's WEB_CONCURRENCY that no Fir size with these vCPUs would get wins, cgroup or not",
      { WEB_CONCURRENCY: '3', WEB_MEMORY: '512', HEROKU_AVAILABLE_PARALLELISM: '2' },
      machine(2, 24 * 1024, false),
      3,
      'WEB_CONCURRENCY',
    ],
    [
      "Fir: the CNB's figure with a user's WEB_MEMORY",
      { WEB_CONCURRENCY: '4', WEB_MEMORY: '1024', HEROKU_AVAILABLE_PARALLELISM: '8' },
      machine(8, 4096),
      4,
      'memory',
    ],
    [
      "Fir: a WEB_CONCURRENCY that is not the CNB's figure is the user's, and wins",
      { WEB_CONCURRENCY: '6', WEB_MEMORY: '512', HEROKU_AVAILABLE_PARALLELISM: '2' },
      machine(2, 4096),
      6,
      'WEB_CONCURRENCY',
    ],
    [
      "Fir: CLUSTER_WORKERS beats the CNB's figure",
      { WEB_CONCURRENCY: '8', WEB_MEMORY: '512', HEROKU_AVAILABLE_PARALLELISM: '2', CLUSTER_WORKERS: '8' },
      machine(2, 4096),
      8,
      'CLUSTER_WORKERS',
    ],
    [
      "off Heroku, a WEB_CONCURRENCY that happens to match the memory rule is still the user's",
      { WEB_CONCURRENCY: '8' },
      machine(2, 4096),
      8,
      'WEB_CONCURRENCY',
    ],
    [
      'a buildpack WEB_CONCURRENCY binds on shared dynos',
      { WEB_CONCURRENCY: '1', WEB_CONCURRENCY_SET_BY: 'heroku/nodejs' },
      machine(8, 512),
      1,
      'memory',
    ],
    [
      'a buildpack WEB_CONCURRENCY still yields to CLUSTER_WORKERS',
      { WEB_CONCURRENCY: '5', WEB_CONCURRENCY_SET_BY: 'heroku/nodejs', CLUSTER_WORKERS: '3' },
      machine(2, 2560),
      3,
      'CLUSTER_WORKERS',
    ],
    [
      "a WEB_CONCURRENCY marked by someone else is the user's",
      { WEB_CONCURRENCY: '5', WEB_CONCURRENCY_SET_BY: 'me' },
      machine(2, 2560),
      5,
      'WEB_CONCURRENCY',
    ],
    ['a huge machine is capped', {}, machine(512, 4 * 1024 * 1024), 128, 'cores'],
  ];
  for (const [name, env, facts, count, source] of cases) {
    it(name, () => {
      const result = plan(env, facts);
      assert.equal(result.count, count);
      assert.equal(result.source, source);
    });
  }

  it('says which settings lost, and why the count is what it is', () => {
    const result = plan(
      { WEB_CONCURRENCY: '3', CLUSTER_WORKERS: '5', HEROKU_AVAILABLE_PARALLELISM: '2' },
      machine(8, 4096),
    );
    assert.deepEqual(result.overridden, ['CLUSTER_WORKERS=5', 'HEROKU_AVAILABLE_PARALLELISM=2']);
    assert.equal(result.reason, 'WEB_CONCURRENCY=3');
    assert.equal(plan({}, machine(2, 4096)).reason, 'min(2 available CPUs, 4096 MB / WEB_MEMORY 512 MB = 8)');
  });

  it("names the buildpack's WEB_CONCURRENCY when it lost, and not when it bounds the count", () => {
    const buildpack = { WEB_CONCURRENCY: '8', ...cedarMark };
    assert.deepEqual(plan({ ...buildpack, CLUSTER_WORKERS: '2' }, machine(8, 4096)).overridden, [
      "WEB_CONCURRENCY=8 (the buildpack's, from memory)",
    ]);
    assert.deepEqual(plan({ ...buildpack, HEROKU_AVAILABLE_PARALLELISM: '4' }, machine(8, 4096)).overridden, []);
  });

  it("says how to force a count when it capped a buildpack's figure, and only then", () => {
    const fir = plan({ WEB_CONCURRENCY: '8', WEB_MEMORY: '512', HEROKU_AVAILABLE_PARALLELISM: '2' }, machine(2, 4096));
    assert.equal(fir.reason, 'min(HEROKU_AVAILABLE_PARALLELISM=2, 4096 MB / WEB_MEMORY 512 MB = 8)');
    assert.match(fir.hint ?? '', /set CLUSTER_WORKERS=8 to run that many/);
    assert.equal(plan({ WEB_CONCURRENCY: '1', ...cedarMark }, machine(8, 512)).hint, undefined);
    assert.equal(plan({ WEB_CONCURRENCY: '3' }, machine(2, 4096)).hint, undefined);
  });

  it('follows the buildpack on WEB_MEMORY: 512 MB, 2048 MB above 16 GB', () => {
    assert.equal(buildpackWebMemoryMb(512), 512);
    assert.equal(buildpackWebMemoryMb(16 * 1024), 512);
    assert.equal(buildpackWebMemoryMb(16 * 1024 + 1), 2048);
    assert.equal(plan({}, machine(4, 30 * 1024)).webMemoryMb, 2048);
    assert.equal(plan({ WEB_MEMORY: '300' }, machine(4, 30 * 1024)).webMemoryMb, 300);
  });
});
