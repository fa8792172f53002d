import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { cpuCgroup, memoryCgroup } from '../helpers/cgroup.ts';
import { needsDemo } from '../helpers/demo.ts';
import { request } from '../helpers/http.ts';
import { byMsg, startDyno } from '../helpers/process.ts';

describe('boot', () => {
  for (const [variable, value] of [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['NODE_ENV', 'prod'],
    ['LOG_LEVEL', 'loud'],
    ['WEB_CONCURRENCY', '0'],
    ['WEB_CONCURRENCY', '1.5'],
    ['CLUSTER_WORKERS', ''],
  ] as const) {
    it(`${variable}=${JSON.stringify(value)} stops the boot with exit 1 and one line naming it`, async (t) => {
      const dyno = startDyno(t, { [variable]: value });
      const exit = await dyno.exited;
      assert.equal(exit.code, 1);
      assert.deepEqual(dyno.logs, [], 'nothing else starts');
      assert.equal(dyno.stderr.length, 1, dyno.stderr.join('\n'));
      assert.match(
        dyno.stderr[0] ?? '',
        new RegExp(`^Configuration error: ${variable}="${value}" is not valid: expected `),
      );
    });
  }

  it('WEB_CONCURRENCY=1 serves from this one process: no primary, no cluster', needsDemo, async (t) => {
    const dyno = startDyno(t, { WEB_CONCURRENCY: '1' });
    const listening = await dyno.waitFor('listening', byMsg('listening'));
    assert.equal(listening.pid, dyno.child.pid);
    const info = (await request(`http://127.0.0.1:${listening.port}/api/info`)).json() as Record<string, unknown>;
    assert.equal(info.pid, dyno.child.pid);
    assert.equal(info.workerId, null);
    assert.ok(dyno.logs.every((line) => line.proc === 'app'));
    const boot = await dyno.waitFor('boot line', byMsg('starting 1 worker: serving from this process on port 0'));
    assert.equal(boot.source, 'WEB_CONCURRENCY');
  });

  it('starts WEB_CONCURRENCY workers, says why, and spreads connections across them', needsDemo, async (t) => {
    const dyno = startDyno(t, { WEB_CONCURRENCY: '3', CLUSTER_WORKERS: '2' });
    const ready = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
    const boot = dyno.logs[0];
    assert.equal(boot?.msg, 'starting 3 workers on port 0');
    assert.equal(boot?.source, 'WEB_CONCURRENCY');
    assert.deepEqual(boot?.overridden, ['CLUSTER_WORKERS=2'], 'the log says which setting lost');
    const workerPids = dyno.logs.filter(byMsg('worker ready')).map((line) => line.workerPid as number);
    assert.equal(new Set(workerPids).size, 3);
    assert.ok(!workerPids.includes(dyno.child.pid as number), 'workers are not the primary');

    const servedBy = new Set<number>();
    for (let i = 0; i < 6; i += 1) {
      const info = (await request(`http://127.0.0.1:${ready.port}/api/info`)).json() as { pid: number };
      servedBy.add(info.pid);
    }
    assert.deepEqual([...servedBy].sort(), [...workerPids].sort(), 'every worker served a connection');
  });

  it('CLUSTER_WORKERS sets the count when WEB_CONCURRENCY is unset', async (t) => {
    const dyno = startDyno(t, { CLUSTER_WORKERS: '2' });
    const ready = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
    assert.equal(ready.workers, 2);
    assert.equal(dyno.logs[0]?.source, 'CLUSTER_WORKERS');
  });

  describe('on a Fir dyno-2c-4gb: a 4 GB cgroup, and what the Node.js CNB exports there', { concurrency: true }, () => {
    const cnb = { WEB_CONCURRENCY: '8', WEB_MEMORY: '512', HEROKU_AVAILABLE_PARALLELISM: '2' };
    const cases: [string, Record<string, string>, number, string][] = [
      [
        "the CNB's figure is a memory bound: 2 workers, and the boot line says how to force 8",
        {},
        2,
        'HEROKU_AVAILABLE_PARALLELISM',
      ],
      ["a user's own WEB_CONCURRENCY wins", { WEB_CONCURRENCY: '3' }, 3, 'WEB_CONCURRENCY'],
      ["CLUSTER_WORKERS beats the CNB's figure", { CLUSTER_WORKERS: '3' }, 3, 'CLUSTER_WORKERS'],
    ];
    for (const [name, env, workers, source] of cases) {
      it(name, async (t) => {
        const procs = await memoryCgroup(t, 4096).catch((err: Error) => {
          // Outside CI a developer without root skips this; CI runs as root and must run it.
          if (process.env.CI) throw err;
          t.skip(`no writable memory cgroup (${err.message})`);
        });
        if (procs === undefined) return;
        const dyno = startDyno(t, { ...cnb, ...env }, 'start.ts', { cgroupProcs: procs });
        const ready = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
        assert.equal(ready.workers, workers);
        const boot = dyno.logs[0];
        assert.equal(boot?.source, source);
        if (source === 'HEROKU_AVAILABLE_PARALLELISM') {
          assert.equal(boot?.reason, 'min(HEROKU_AVAILABLE_PARALLELISM=2, 4096 MB / WEB_MEMORY 512 MB = 8)');
          assert.match(String(boot?.hint), /set CLUSTER_WORKERS=8 to run that many/);
        } else {
          assert.equal(boot?.hint, undefined);
        }
        dyno.signalGroup('SIGTERM');
        assert.equal((await dyno.exited).code, 0);
      });
    }
  });

  it('in a cgroup allowed half a CPU, one process serves: no cluster (Node alone counts the host under v1)', async (t) => {
    const procs = await cpuCgroup(t, 0.5).catch((err: Error) => {
      if (process.env.CI) throw err;
      t.skip(`no writable cpu cgroup (${err.message})`);
    });
    if (procs === undefined) return;
    const dyno = startDyno(t, {}, 'start.ts', { cgroupProcs: procs });
    const boot = await dyno.waitFor('boot line', (line) => /^starting/.test(line.msg));
    assert.equal(boot.msg, 'starting 1 worker: serving from this process on port 0');
    assert.equal(boot.source, 'cpu quota');
    assert.equal(boot.reason, 'a CPU quota of 0.5 CPUs: below one CPU, one process');
    const listening = await dyno.waitFor('listening', byMsg('listening'));
    assert.equal(listening.pid, dyno.child.pid, 'the first process serves');
    dyno.signalFirst('SIGTERM');
    assert.equal((await dyno.exited).code, 0);
  });

  for (const [platform, env, instance, deadline] of [
    ['Fly.io', { FLY_APP_NAME: 'kit', FLY_MACHINE_ID: '148ed599c1d789', FLY_REGION: 'ams' }, '148ed599c1d789.ams', 4],
    ['Railway', { RAILWAY_REPLICA_ID: 'c0ffee-1', RAILWAY_DEPLOYMENT_DRAINING_SECONDS: '12' }, 'c0ffee-1', 10],
    ['Google Cloud Run', { K_SERVICE: 'kit', K_REVISION: 'kit-00007-xoq' }, 'kit-00007-xoq', 8],
  ] as const) {
    it(`on ${platform}: the boot line names the platform, the instance and the deadline, and every line the instance`, async (t) => {
      const dyno = startDyno(t, { WEB_CONCURRENCY: '2', ...env });
      await dyno.waitFor('cluster ready', byMsg('cluster ready'));
      const boot = dyno.logs[0];
      assert.equal(boot?.platform, platform);
      assert.equal(boot?.instance, instance);
      assert.equal(boot?.shutdownTimeout, deadline);
      assert.match(
        String(boot?.shutdownReason),
        new RegExp(`below ${platform}'s \\d+ s from SIG(TERM|INT) to SIGKILL`),
      );
      assert.deepEqual(
        dyno.logs.filter((line) => line.instance !== instance),
        [],
        'every line names the instance',
      );
      dyno.signalGroup('SIGTERM');
      assert.equal((await dyno.exited).code, 0);
    });
  }

  it('where the platform gives too little to drain (Railway by default), the boot line says so once, with the setting', async (t) => {
    const dyno = startDyno(t, { WEB_CONCURRENCY: '2', RAILWAY_REPLICA_ID: 'c0ffee-1' });
    await dyno.waitFor('cluster ready', byMsg('cluster ready'));
    const warnings = dyno.logs.filter((line) => /^shutdown: /.test(line.msg));
    assert.equal(warnings.length, 1, 'once, not once per worker');
    assert.match(String(warnings[0]?.msg), /Railway gives 0 s .* RAILWAY_DEPLOYMENT_DRAINING_SECONDS/);
    dyno.signalGroup('SIGTERM');
    await dyno.exited;
  });

  it('Cedar: a marked WEB_CONCURRENCY is capped by the cores', async (t) => {
    const dyno = startDyno(t, {
      WEB_CONCURRENCY: '28',
      WEB_CONCURRENCY_SET_BY: 'heroku/nodejs',
      HEROKU_AVAILABLE_PARALLELISM: '2',
    });
    const ready = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
    assert.equal(ready.workers, 2);
    assert.match(String(dyno.logs[0]?.reason), /^min\(HEROKU_AVAILABLE_PARALLELISM=2, /);
    assert.match(String(dyno.logs[0]?.hint), /set CLUSTER_WORKERS=28 to run that many/);
  });

  it('a port already in use ends the dyno with exit 1 and the cause', async (t) => {
    const blocker = net.createServer().listen(0);
    await new Promise((resolve) => blocker.once('listening', resolve));
    t.after(() => blocker.close());
    const port = (blocker.address() as net.AddressInfo).port;
    const dyno = startDyno(t, { WEB_CONCURRENCY: '2', PORT: String(port) });
    const exit = await dyno.exited;
    assert.equal(exit.code, 1);
    const crashLoop = await dyno.waitFor(
      'crash loop',
      byMsg('crash loop: workers keep dying before they are ready; stopping the dyno'),
    );
    assert.equal(crashLoop.cause, `EADDRINUSE: port ${port} is in use by another process (PORT sets the port)`);
    // One line per failed worker, naming the port: no stack trace.
    const failed = dyno.logs.filter(
      byMsg(`could not listen: port ${port} is in use by another process (PORT sets the port)`),
    );
    assert.ok(failed.length >= 1);
    assert.ok(
      dyno.logs.every((line) => line.err === undefined),
      'no line carries an error object',
    );
  });
});
