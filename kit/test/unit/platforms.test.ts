import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { loadConfig } from '../../../src/runtime/config.ts';
import { renderPlatformTable } from '../../../src/runtime/docs.ts';
import { readCpuQuota } from '../../../src/runtime/platform/cgroup-cpu.ts';
import { type MachineFacts, planWorkers } from '../../../src/runtime/platform/concurrency.ts';
import { marginSeconds } from '../../../src/runtime/platform/deadline.ts';
import { PLATFORM_IDS, PLATFORMS } from '../../../src/runtime/platform/platforms.ts';

// Each platform's environment as its docs describe it (values shaped like the docs' examples).
const ENVS = {
  'heroku-cedar': { DYNO: 'web.1', PORT: '5000' },
  'heroku-fir': { DYNO: 'web-7d9f8c6b5-x2x4q', HEROKU_AVAILABLE_PARALLELISM: '2', WEB_CONCURRENCY: '2' },
  render: {
    RENDER: 'true',
    RENDER_SERVICE_NAME: 'kit',
    RENDER_INSTANCE_ID: 'srv-d1a2b3-5f6g7',
    RENDER_CPU_COUNT: '0.5',
  },
  fly: { FLY_APP_NAME: 'kit', FLY_MACHINE_ID: '148ed599c1d789', FLY_REGION: 'ams', FLY_PROCESS_GROUP: 'app' },
  railway: { RAILWAY_REPLICA_ID: '5d1b4c7e-0f3a-4b8e', RAILWAY_ENVIRONMENT_ID: 'e1', RAILWAY_SERVICE_ID: 's1' },
  'cloud-run': { K_SERVICE: 'kit', K_REVISION: 'kit-00007-xoq', K_CONFIGURATION: 'kit', PORT: '8080' },
  digitalocean: { PLATFORM: 'digitalocean', HOSTNAME: 'kit-web-5c8d7b9f4-abcde' },
  dokku: { PLATFORM: 'dokku', DYNO: 'web.1' },
  koyeb: { KOYEB_INSTANCE_ID: '8c1a2b3c', KOYEB_APP_NAME: 'kit', HEROKU_AVAILABLE_PARALLELISM: '2' },
  unknown: {},
} as const satisfies Record<(typeof PLATFORM_IDS)[number], Record<string, string>>;

describe('platforms: recognised from their own environment', () => {
  const cases: [string, Record<string, string>, string, string | null, number, boolean][] = [
    // name, env, platform, instance, deadline (s), warns at boot
    ['Heroku Cedar', ENVS['heroku-cedar'], 'heroku-cedar', 'web.1', 25, false],
    [
      'Heroku Fir (the CNB exports HEROKU_AVAILABLE_PARALLELISM)',
      ENVS['heroku-fir'],
      'heroku-fir',
      'web-7d9f8c6b5-x2x4q',
      25,
      false,
    ],
    ['Render', ENVS.render, 'render', 'srv-d1a2b3-5f6g7', 25, false],
    [
      'Render without RENDER_INSTANCE_ID: the service name',
      { RENDER: 'true', RENDER_SERVICE_NAME: 'kit' },
      'render',
      'kit',
      25,
      false,
    ],
    ['Fly.io: machine and region', ENVS.fly, 'fly', '148ed599c1d789.ams', 4, false],
    [
      "Railway without its variable: 0 s by default, or more set where the app can't see",
      ENVS.railway,
      'railway',
      '5d1b4c7e-0f3a-4b8e',
      25,
      true,
    ],
    [
      'Railway with draining seconds',
      { ...ENVS.railway, RAILWAY_DEPLOYMENT_DRAINING_SECONDS: '30' },
      'railway',
      '5d1b4c7e-0f3a-4b8e',
      25,
      false,
    ],
    [
      'Railway with 2 s of draining: still too little',
      { ...ENVS.railway, RAILWAY_DEPLOYMENT_DRAINING_SECONDS: '1' },
      'railway',
      '5d1b4c7e-0f3a-4b8e',
      1,
      true,
    ],
    ['Cloud Run: the revision names it', ENVS['cloud-run'], 'cloud-run', 'kit-00007-xoq', 8, false],
    ['DigitalOcean, said by PLATFORM', ENVS.digitalocean, 'digitalocean', 'kit-web-5c8d7b9f4-abcde', 100, false],
    ['Dokku, said by PLATFORM', ENVS.dokku, 'dokku', 'web.1', 25, false],
    [
      'Dokku unsaid is taken for Cedar: the same signal and 30 s',
      { DYNO: 'web.1' },
      'heroku-cedar',
      'web.1',
      25,
      false,
    ],
    ['Koyeb, before Fir although the CNB runs there too', ENVS.koyeb, 'koyeb', '8c1a2b3c', 25, false],
    ['nothing known: the kit default', ENVS.unknown, 'unknown', null, 25, false],
    ['an empty marker is not a marker', { DYNO: '', FLY_MACHINE_ID: '' }, 'unknown', null, 25, false],
    ['PLATFORM wins over the markers', { ...ENVS.fly, PLATFORM: 'unknown' }, 'unknown', null, 25, false],
  ];
  for (const [name, env, platform, instance, deadlineS, warns] of cases) {
    it(`${name}: ${platform}, instance ${instance}, drains for ${deadlineS} s`, () => {
      const config = loadConfig(env);
      assert.equal(config.platform, platform);
      assert.equal(config.instance, instance);
      assert.equal(config.shutdown.ms, deadlineS * 1000);
      assert.equal(config.shutdown.warning !== undefined, warns, config.shutdown.warning);
    });
  }

  it('the boot warning names the setting that raises the grace', () => {
    const { shutdown } = loadConfig(ENVS.railway);
    assert.match(
      shutdown.warning ?? '',
      /Railway gives 0 s from SIGTERM to SIGKILL .*RAILWAY_DEPLOYMENT_DRAINING_SECONDS/,
    );
  });

  it('SHUTDOWN_TIMEOUT always wins, and is warned about past a grace nobody can change', () => {
    const fly = loadConfig({ ...ENVS.fly, SHUTDOWN_TIMEOUT: '60' });
    assert.equal(fly.shutdown.ms, 60_000);
    assert.equal(fly.shutdown.reason, 'SHUTDOWN_TIMEOUT=60');
    // Fly's kill_timeout may have been raised: it is not in the environment to check.
    assert.equal(fly.shutdown.warning, undefined);
    const cloudRun = loadConfig({ ...ENVS['cloud-run'], SHUTDOWN_TIMEOUT: '25' });
    assert.equal(cloudRun.shutdown.ms, 25_000);
    assert.match(cloudRun.shutdown.warning ?? '', /SHUTDOWN_TIMEOUT=25 is not below Google Cloud Run's 10 s/);
    const railway = loadConfig({ ...ENVS.railway, RAILWAY_DEPLOYMENT_DRAINING_SECONDS: '20', SHUTDOWN_TIMEOUT: '20' });
    assert.match(railway.shutdown.warning ?? '', /not below Railway's 20 s/);
  });

  it('the margin is a sixth of the grace, at least a second: 25 s under Heroku’s 30', () => {
    assert.deepEqual(
      [0, 1, 2, 5, 10, 30, 120, 300].map((grace) => grace - marginSeconds(grace)),
      [-1, 0, 1, 4, 8, 25, 100, 250],
    );
  });

  it('every platform in PLATFORM_IDS has a row, and every row a source or says why not', () => {
    assert.deepEqual(PLATFORMS.map((p) => p.id).sort(), [...PLATFORM_IDS].sort());
    for (const p of PLATFORMS) if (p.id !== 'unknown') assert.ok(p.sources.length > 0, p.id);
  });
});

const MB = 1024 * 1024;
const machine = (cpus: number, memoryMb: number, cpuQuota?: number): MachineFacts => ({
  availableParallelism: cpus,
  memoryLimitBytes: memoryMb * MB,
  memoryLimited: true,
  cpuQuota,
});

describe('platforms: the worker count', () => {
  const cases: [string, Record<string, string>, MachineFacts, number, string][] = [
    ['Render Starter: RENDER_CPU_COUNT 0.5, one process', ENVS.render, machine(8, 512), 1, 'RENDER_CPU_COUNT'],
    [
      'Render at 1.5 CPUs: rounded down to one',
      { ...ENVS.render, RENDER_CPU_COUNT: '1.5' },
      machine(8, 4096),
      1,
      'RENDER_CPU_COUNT',
    ],
    ['Render Pro: 2 CPUs, 4 GB', { ...ENVS.render, RENDER_CPU_COUNT: '2' }, machine(8, 4096), 2, 'RENDER_CPU_COUNT'],
    ['Render: memory still bounds it', { ...ENVS.render, RENDER_CPU_COUNT: '4' }, machine(8, 1024), 2, 'memory'],
    ['a half-CPU quota (Node counts the host under v1)', ENVS.unknown, machine(2, 4096, 0.5), 1, 'cpu quota'],
    ['a 1.5-CPU quota: one, as Node rounds v2', ENVS['cloud-run'], machine(8, 4096, 1.5), 1, 'cpu quota'],
    ['a 2.5-CPU quota: two', ENVS.fly, machine(8, 4096, 2.5), 2, 'cpu quota'],
    ['a quota above what Node sees changes nothing', ENVS.unknown, machine(2, 4096, 4), 2, 'cores'],
    ['Koyeb: the CNB figure, by the Fir rules', ENVS.koyeb, machine(8, 2048), 2, 'HEROKU_AVAILABLE_PARALLELISM'],
    [
      'WEB_CONCURRENCY still wins over a fraction of a CPU',
      { ...ENVS.render, WEB_CONCURRENCY: '2' },
      machine(8, 512),
      2,
      'WEB_CONCURRENCY',
    ],
  ];
  for (const [name, env, facts, count, source] of cases) {
    it(`${name}: ${count} (${source})`, () => {
      const plan = planWorkers(loadConfig(env).concurrency, facts);
      assert.equal(plan.count, count, plan.reason);
      assert.equal(plan.source, source, plan.reason);
    });
  }

  it('says which rule decided', () => {
    assert.equal(
      planWorkers(loadConfig(ENVS.render).concurrency, machine(8, 512)).reason,
      'RENDER_CPU_COUNT=0.5: below one CPU, one process',
    );
    assert.match(
      planWorkers(loadConfig({}).concurrency, machine(8, 4096, 1.5)).reason,
      /a CPU quota of 1.5 CPUs rounded down to 1/,
    );
  });
});

/** A directory laid out like / for what the reader opens: /proc/self/{cgroup,mountinfo} and the cgroup files. */
async function fakeRoot(t: TestContext, files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cgroup-root-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

// Lines as the kernel writes them (proc(5)); the cgroup v1 ones are this machine's own.
const V1_MOUNTINFO = [
  '30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
  '34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
].join('\n');
const V2_MOUNTINFO = '29 22 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate';

describe('readCpuQuota', () => {
  it('reads a v1 CFS quota: 50000 of 100000 µs is half a CPU', async (t) => {
    const root = await fakeRoot(t, {
      'proc/self/cgroup': '4:memory:/dyno\n2:cpu,cpuacct:/dyno\n0::/\n',
      'proc/self/mountinfo': V1_MOUNTINFO,
      'sys/fs/cgroup/cpu,cpuacct/dyno/cpu.cfs_quota_us': '50000\n',
      'sys/fs/cgroup/cpu,cpuacct/dyno/cpu.cfs_period_us': '100000\n',
    });
    assert.equal(readCpuQuota(root), 0.5);
  });

  it('a parent cgroup’s quota binds its children; -1 is no quota', async (t) => {
    const root = await fakeRoot(t, {
      'proc/self/cgroup': '2:cpu,cpuacct:/dyno/web\n',
      'proc/self/mountinfo': V1_MOUNTINFO,
      'sys/fs/cgroup/cpu,cpuacct/dyno/web/cpu.cfs_quota_us': '-1\n',
      'sys/fs/cgroup/cpu,cpuacct/dyno/web/cpu.cfs_period_us': '100000\n',
      'sys/fs/cgroup/cpu,cpuacct/dyno/cpu.cfs_quota_us': '150000\n',
      'sys/fs/cgroup/cpu,cpuacct/dyno/cpu.cfs_period_us': '100000\n',
    });
    assert.equal(readCpuQuota(root), 1.5);
  });

  it('in a container, the mount’s top is the container’s own cgroup', async (t) => {
    const root = await fakeRoot(t, {
      'proc/self/cgroup': '2:cpu,cpuacct:/docker/abc123\n',
      'proc/self/mountinfo': V1_MOUNTINFO.replace(
        '0:28 / /sys/fs/cgroup/cpu,cpuacct',
        '0:28 /docker/abc123 /sys/fs/cgroup/cpu,cpuacct',
      ),
      'sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '200000\n',
      'sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
    });
    assert.equal(readCpuQuota(root), 2);
  });

  it('reads v2’s cpu.max, and "max" is no quota', async (t) => {
    const limited = await fakeRoot(t, {
      'proc/self/cgroup': '0::/app.slice\n',
      'proc/self/mountinfo': V2_MOUNTINFO,
      'sys/fs/cgroup/app.slice/cpu.max': '50000 100000\n',
    });
    assert.equal(readCpuQuota(limited), 0.5);
    const unlimited = await fakeRoot(t, {
      'proc/self/cgroup': '0::/app.slice\n',
      'proc/self/mountinfo': V2_MOUNTINFO,
      'sys/fs/cgroup/app.slice/cpu.max': 'max 100000\n',
    });
    assert.equal(readCpuQuota(unlimited), undefined);
  });

  it('no cgroup files (macOS, a sandbox): no quota, and no error', async (t) => {
    assert.equal(readCpuQuota(await fakeRoot(t, {})), undefined);
  });
});

describe('docs/platforms.md', () => {
  it('has the table the platform data renders: run npm run docs when it differs', async () => {
    const doc = await readFile(new URL('../../../docs/platforms.md', import.meta.url), 'utf8');
    assert.ok(
      doc.includes(renderPlatformTable()),
      "docs/platforms.md's table differs from platforms.ts: run npm run docs",
    );
  });
});
