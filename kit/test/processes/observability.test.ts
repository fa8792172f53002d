import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { needsDemo } from '../helpers/demo.ts';
import { request } from '../helpers/http.ts';
import { byMsg, type Dyno, freePort, isAlive, startDyno } from '../helpers/process.ts';

interface Status {
  mode: string;
  workers: { id: number | null; slot: number; pid: number; state: string; requests: number; restarts: number }[];
}

/** The value of one Prometheus series, found by its full name and labels. */
function series(text: string, selector: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${selector} `));
  return line === undefined ? undefined : Number(line.slice(selector.length + 1));
}

/** With no log line to wait for, the port answering is the event. */
async function waitUntilServing(base: string, dyno: Dyno): Promise<void> {
  for (;;) {
    const answered = await request(`${base}/readyz`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (answered) return;
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 50)), dyno.exited]);
    if (dyno.child.exitCode !== null) throw new Error(`exited before serving: ${dyno.stderr.join('\n')}`);
  }
}

async function bootCluster(t: TestContext, env: Record<string, string> = {}) {
  const dyno = startDyno(t, { WEB_CONCURRENCY: '2', ...env });
  const { port } = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
  return { dyno, base: `http://127.0.0.1:${port}` };
}

/** A keep-alive connection held by the worker with that pid: round-robin alternates, so a few tries find it. */
async function connectionTo(t: TestContext, base: string, pid: number): Promise<http.Agent> {
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => agent.destroy());
    const info = (await request(`${base}/api/info`, { agent })).json() as { pid: number };
    if (info.pid === pid) return agent;
  }
  throw new Error(`no connection reached worker ${pid}`);
}

describe('structured logs', needsDemo, () => {
  it('one JSON line per request, with process, method, path, status, duration and request id', async (t) => {
    const { dyno, base } = await bootCluster(t);
    const id = 'abcdefghij0123456789-router';
    const res = await request(`${base}/api/info?x=1`, { headers: { 'x-request-id': id } });
    assert.equal(res.headers['x-request-id'], id);
    const line = await dyno.waitFor('request line', (l) => l.msg === 'request' && l.requestId === id);
    assert.deepEqual(
      { method: line.method, path: line.path, status: line.status, level: line.level },
      { method: 'GET', path: '/api/info', status: 200, level: 'info' },
    );
    assert.equal(typeof line.ms, 'number');
    assert.match(line.proc, /^worker \d+$/);
    assert.equal(line.pid, (res.json() as { pid: number }).pid);
    assert.ok(!Number.isNaN(Date.parse(line.time as string)));

    await request(`${base}/healthz`, { headers: { 'x-request-id': `${id}-health` } });
    await request(`${base}/api/info`, { headers: { 'x-request-id': `${id}-after` } });
    await dyno.waitFor('the next request', (l) => l.requestId === `${id}-after`);
    assert.ok(!dyno.logs.some((l) => l.requestId === `${id}-health`), 'health checks are not logged at info');
  });

  it('LOG_LEVEL=warn keeps info lines out', async (t) => {
    const port = await freePort();
    const dyno = startDyno(t, { WEB_CONCURRENCY: '2', LOG_LEVEL: 'warn', PORT: String(port) });
    await waitUntilServing(`http://127.0.0.1:${port}`, dyno);
    await request(`http://127.0.0.1:${port}/api/info`);
    dyno.signalGroup('SIGTERM');
    await dyno.exited;
    assert.ok(dyno.logs.every((l) => l.level === 'warn' || l.level === 'error'));
  });
});

describe('metrics', needsDemo, () => {
  it('GET /metrics sums every worker: the count matches the requests made', async (t) => {
    const { base } = await bootCluster(t);
    const made = 24;
    const pids = new Set<number>();
    for (let i = 0; i < made; i += 1) pids.add(((await request(`${base}/api/info`)).json() as { pid: number }).pid);
    assert.equal(pids.size, 2, 'both workers served some of them');
    const res = await request(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.equal(
      series(res.body, 'http_request_duration_seconds_count{method="GET",route="/api/info",status="200"}'),
      made,
    );
    assert.equal(series(res.body, 'cluster_workers'), 2);
    assert.equal(series(res.body, 'cluster_scrape_missing_workers'), 0);
    assert.equal(series(res.body, 'cluster_worker_restarts_total'), 0);
    assert.ok((series(res.body, 'nodejs_eventloop_lag_seconds') ?? -1) >= 0);
    assert.ok((series(res.body, 'process_resident_memory_bytes') ?? 0) > 0);
  });

  it('a stuck worker does not fail the scrape: it answers with what arrived, and counts what did not', async (t) => {
    const { dyno, base } = await bootCluster(t);
    const [healthy, stuck] = dyno.logs.filter(byMsg('worker ready')).map((l) => l.workerPid as number);
    const agent = await connectionTo(t, base, healthy as number);
    process.kill(stuck as number, 'SIGSTOP');
    t.after(() => process.kill(stuck as number, 'SIGCONT'));
    const res = await request(`${base}/metrics`, { agent });
    assert.equal(res.status, 200);
    assert.equal(series(res.body, 'cluster_scrape_missing_workers'), 1);
    assert.equal(
      series(res.body, 'http_request_duration_seconds_count{method="GET",route="/api/info",status="200"}'),
      1,
    );
  });

  it('a worker killed during a scrape does not fail it', async (t) => {
    const { dyno, base } = await bootCluster(t, { LOG_LEVEL: 'debug' });
    const [healthy, victim] = dyno.logs.filter(byMsg('worker ready')).map((l) => l.workerPid as number);
    const agent = await connectionTo(t, base, healthy as number);
    // Stopped first, so it cannot answer; killed once the primary has asked it, so the kill
    // lands mid-scrape (killed sooner, it would simply not be part of the scrape).
    process.kill(victim as number, 'SIGSTOP');
    const scrape = request(`${base}/metrics`, { agent });
    await dyno.waitFor('the scrape', byMsg('metrics scrape'));
    process.kill(victim as number, 'SIGKILL');
    const res = await scrape;
    assert.equal(res.status, 200);
    assert.equal(series(res.body, 'cluster_scrape_missing_workers'), 1);
    await dyno.waitFor('replacement', (l) => l.msg === 'worker ready' && l.worker === 3);
    const after = await request(`${base}/metrics`, { agent });
    assert.equal(series(after.body, 'cluster_worker_restarts_total'), 1);
    assert.equal(series(after.body, 'cluster_scrape_missing_workers'), 0);
  });

  it('the primary survives a message to a worker that has just died', async (t) => {
    const { dyno, base } = await bootCluster(t, { LOG_LEVEL: 'debug' });
    const [healthy, victim] = dyno.logs.filter(byMsg('worker ready')).map((l) => l.workerPid as number);
    const agent = await connectionTo(t, base, healthy as number);
    // With the primary frozen, the victim dies and a scrape is asked for: when the primary
    // wakes, it asks the victim for its metrics before it has seen the exit, and the write fails.
    const primary = dyno.child.pid as number;
    process.kill(primary, 'SIGSTOP');
    t.after(() => {
      if (isAlive(primary)) process.kill(primary, 'SIGCONT');
    });
    process.kill(victim as number, 'SIGKILL');
    const scrape = request(`${base}/metrics`, { agent });
    await dyno.waitFor('the request', (l) => l.msg === 'request started' && l.pid === healthy);
    process.kill(primary, 'SIGCONT');
    const res = await scrape;
    assert.equal(res.status, 200);
    await dyno.waitFor('replacement', (l) => l.msg === 'worker ready' && l.worker === 3);
    assert.equal(dyno.child.exitCode, null, 'the primary is still running');
  });
});

describe('GET /api/cluster', needsDemo, () => {
  async function statusWhen(base: string, dyno: Dyno, done: (status: Status) => boolean): Promise<Status> {
    // Workers report every second: wait for the report, bounded by the dyno staying up.
    for (;;) {
      const status = (await request(`${base}/api/cluster`)).json() as Status;
      if (done(status)) return status;
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 100)), dyno.exited]);
    }
  }

  it("is the primary's view of every worker, and counts their requests", async (t) => {
    const { dyno, base } = await bootCluster(t);
    const status = (await request(`${base}/api/cluster`)).json() as Status & Record<string, unknown>;
    assert.equal(status.mode, 'cluster');
    assert.deepEqual(
      status.workers.map((w) => [w.slot, w.state]),
      [
        [1, 'ready'],
        [2, 'ready'],
      ],
    );
    assert.equal((status.workerCount as { source: string }).source, 'WEB_CONCURRENCY');
    assert.equal((status.primary as { pid: number }).pid, dyno.child.pid);
    for (let i = 0; i < 10; i += 1) await request(`${base}/demo/sleep?ms=0`);
    const counted = await statusWhen(base, dyno, (s) => s.workers.reduce((sum, w) => sum + w.requests, 0) >= 11);
    assert.ok(
      counted.workers.every((w) => w.requests > 0),
      'both workers served',
    );
  });

  it('names the dyno that answered: on every log line, in /api/cluster, /api/info and the page', async (t) => {
    const { dyno, base } = await bootCluster(t, { DYNO: 'web.3' });
    const status = (await request(`${base}/api/cluster`)).json() as Record<string, unknown>;
    assert.equal(status.instance, 'web.3');
    const info = (await request(`${base}/api/info`)).json() as Record<string, unknown>;
    assert.equal(info.instance, 'web.3');
    const page = await request(`${base}/`);
    assert.match(page.body, /worker \d+ \(pid \d+\) of instance web\.3/);
    assert.match(page.body, /<strong id="cluster-instance">web\.3<\/strong>/);
    await dyno.waitFor('the request line', byMsg('request', { path: '/' }));
    const procs = new Set(dyno.logs.map((line) => line.proc.replace(/\d+$/, 'N')));
    assert.deepEqual([...procs].sort(), ['primary', 'worker N'], 'both kinds of process logged');
    const unnamed = dyno.logs.filter((line) => line.instance !== 'web.3');
    assert.deepEqual(unnamed, [], 'every line names the dyno');
    const metrics = (await request(`${base}/metrics`)).body;
    const samples = metrics.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    assert.ok(samples.length > 50, `${samples.length} samples`);
    assert.deepEqual(
      // instance_name, not instance: Prometheus owns that label and would rename ours.
      samples.filter((line) => !line.includes('instance_name="web.3"')),
      [],
      "every series, summed or the primary's, is labelled with the dyno",
    );
  });

  it('works in single-process mode', async (t) => {
    const dyno = startDyno(t, { WEB_CONCURRENCY: '1' });
    const { port } = await dyno.waitFor('listening', byMsg('listening'));
    const status = (await request(`http://127.0.0.1:${port}/api/cluster`)).json() as Status & Record<string, unknown>;
    assert.equal(status.mode, 'single');
    assert.equal(status.primary, null);
    assert.equal(status.workers.length, 1);
    assert.equal(status.workers[0]?.pid, dyno.child.pid);
    const metrics = await request(`http://127.0.0.1:${port}/metrics`);
    assert.equal(
      series(metrics.body, 'http_request_duration_seconds_count{method="GET",route="/api/cluster",status="200"}'),
      1,
    );
  });
});
