import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/runtime/config.ts';
import { renderDynoTable } from '../../../src/runtime/docs.ts';
import { buildpackExports } from '../../../src/runtime/platform/buildpacks.ts';
import { type MachineFacts, planWorkers } from '../../../src/runtime/platform/concurrency.ts';
import { DYNOS, type Dyno, RETIRED_DYNOS } from '../../../src/runtime/platform/dynos.ts';

const MB = 1024 * 1024;

/** The sizes the installed `heroku` CLI prices in `ps:type`: the platform's own list. */
async function sizesTheCliLists(): Promise<string[]> {
  const source = await readFile(
    new URL(import.meta.resolve('heroku/package.json')).pathname.replace(/package\.json$/, 'dist/commands/ps/type.js'),
    'utf8',
  );
  const table = /const COST_MONTHLY = \{([^}]*)\}/.exec(source)?.[1];
  assert.ok(table, "the CLI's ps:type no longer has COST_MONTHLY: find where it lists sizes now");
  return [...table.matchAll(/^\s*'?([\w.-]+)'?\s*:/gm)].map((match) => match[1] as string);
}

/** What Node can see on the dyno: on Fir any CPU count, since the CNB's variable says the vCPUs. */
function machines(dyno: Dyno): MachineFacts[] {
  const cpus = dyno.cpusNodeSees === undefined ? [dyno.vcpus ?? 1, 96] : [dyno.cpusNodeSees];
  return cpus.map((availableParallelism) => ({
    availableParallelism,
    memoryLimitBytes: dyno.memoryMb * MB,
    memoryLimited: true,
  }));
}

const count = (env: Record<string, string>, facts: MachineFacts) => planWorkers(loadConfig(env).concurrency, facts);

describe('the dyno table', () => {
  it('covers every size the Heroku CLI lists, and no other', async () => {
    const listed = await sizesTheCliLists();
    assert.ok(listed.length > 30, `read only ${listed.length} sizes from the CLI`);
    const ours = [...DYNOS.map((d) => d.name), ...RETIRED_DYNOS];
    assert.deepEqual([...ours].sort(), [...listed].sort());
  });

  for (const dyno of DYNOS) {
    it(`${dyno.name}: ${dyno.workers} workers under what its buildpack exports`, () => {
      for (const facts of machines(dyno)) {
        const plan = count(buildpackExports(dyno), facts);
        assert.equal(plan.count, dyno.workers, `${facts.availableParallelism} CPUs: ${plan.reason}`);
      }
    });
  }

  it('on Cedar, a buildpack that could not read the cgroup (it reads v1 only) does not lower the count', () => {
    for (const dyno of DYNOS.filter((d) => d.generation === 'cedar')) {
      // Its fallback: 512 MB assumed, so WEB_MEMORY=512 and WEB_CONCURRENCY=1, marked.
      const fallback = { WEB_CONCURRENCY: '1', WEB_CONCURRENCY_SET_BY: 'heroku/nodejs', WEB_MEMORY: '512' };
      for (const facts of machines(dyno)) assert.equal(count(fallback, facts).count, dyno.workers, dyno.name);
    }
  });

  it("on Fir, a user's own WEB_CONCURRENCY wins, and so does CLUSTER_WORKERS", () => {
    for (const dyno of DYNOS.filter((d) => d.generation === 'fir')) {
      const env = buildpackExports(dyno);
      const own = String(Number(env.WEB_CONCURRENCY) + 1);
      for (const facts of machines(dyno)) {
        // The CNB passes a user's value through unchanged.
        assert.equal(count({ ...env, WEB_CONCURRENCY: own }, facts).count, Number(own), dyno.name);
        assert.equal(count({ ...env, CLUSTER_WORKERS: '3' }, facts).count, 3, dyno.name);
      }
    }
  });

  it('appears in docs/clustering.md exactly as the data says', async () => {
    const readme = await readFile(new URL('../../../docs/clustering.md', import.meta.url), 'utf8');
    for (const generation of ['cedar', 'fir'] as const) {
      assert.ok(
        readme.includes(renderDynoTable(DYNOS, generation)),
        `docs/clustering.md's ${generation} table differs: run npm run docs`,
      );
    }
  });
});
