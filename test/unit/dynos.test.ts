import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { BUILDPACK_MARKER, defaultWebMemoryMb, planWorkers } from '../../src/concurrency.ts';
import { loadConfig } from '../../src/config.ts';
import { renderDynoTable } from '../../src/docs.ts';
import { DYNOS, type Dyno } from '../../src/dynos.ts';

const facts = (dyno: Dyno) => ({ availableParallelism: dyno.cpus, memoryLimitBytes: dyno.memoryMb * 1024 * 1024 });
/** The variables Heroku sets on that dyno. */
function herokuEnv(dyno: Dyno, withBuildpack: boolean): Record<string, string> {
  const env: Record<string, string> = {};
  if (dyno.newGeneration) env.HEROKU_AVAILABLE_PARALLELISM = String(dyno.cpus);
  if (withBuildpack) {
    env.WEB_CONCURRENCY = String(Math.max(1, Math.floor(dyno.memoryMb / defaultWebMemoryMb(dyno.memoryMb))));
    env.WEB_CONCURRENCY_SET_BY = BUILDPACK_MARKER;
  }
  return env;
}

describe('the dyno table', () => {
  for (const dyno of DYNOS) {
    it(`${dyno.name}: ${dyno.workers} workers, with or without the buildpack's WEB_CONCURRENCY`, () => {
      for (const withBuildpack of [true, false]) {
        const plan = planWorkers(loadConfig(herokuEnv(dyno, withBuildpack)).concurrency, facts(dyno));
        assert.equal(plan.count, dyno.workers, `buildpack: ${withBuildpack}, reason: ${plan.reason}`);
      }
    });
  }

  it('appears in the README exactly as the data says', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    assert.ok(readme.includes(renderDynoTable(DYNOS)), 'README.md dyno table differs: run `npm run docs`');
  });
});
