// `npm run bench -- --quick` end to end: it must finish, print its tables and write its JSON.
// Speeds are the bench's business, never this test's: a loaded CI machine is not a failure.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { deleteKeys } from '../../src/runtime/redis/delete-keys.ts';
import { signalGroup } from '../harness/process-group.ts';
import { needsDemo } from './helpers/demo.ts';
import { needsPostgres } from './helpers/postgres.ts';
import { childrenOf, isAlive, ROOT } from './helpers/process.ts';
import { needsRedis, REDIS_URL, redisAdmin } from './helpers/redis.ts';

/** Where a server answers (always under CI), the database route is measured too. */
const postgres = needsPostgres.skip === undefined;
const redis = needsRedis.skip === undefined;
// --quick aims at 30 s; the slack is for a busy machine, not for a slower bench.
const DEADLINE_MS = 120_000;

const TOP_LEVEL_KEYS = [
  'schema',
  'startedAt',
  'finishedAt',
  'quick',
  'machine',
  'settings',
  'configs',
  'throughput',
  'memory',
  'boot',
  'cost',
  'database',
  'rateLimit',
  'fleet',
  'jobs',
  'lifecycle',
  'targets',
  'checks',
  'notes',
];

/**
 * The servers are detached, so killing the bench alone would orphan them. Freeze it first so
 * it cannot spawn another, kill every server group it started, then the bench itself.
 */
function reap(bench: ChildProcess): void {
  if (bench.pid === undefined || bench.exitCode !== null || bench.signalCode !== null) return;
  try {
    process.kill(-bench.pid, 'SIGSTOP');
  } catch {
    return;
  }
  for (const server of childrenOf(bench.pid)) signalGroup(server, 'SIGKILL');
  signalGroup(bench.pid, 'SIGKILL');
}

test('bench --quick completes, prints its tables and writes its JSON', {
  timeout: DEADLINE_MS + 10_000,
  ...needsDemo,
}, async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-test-'));
  t.after(() => rm(dir, { recursive: true, force: true }));

  const bench = spawn(process.execPath, ['kit/bench/run.ts', '--quick', '--results-dir', dir], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(async () => {
    reap(bench);
    // A bench cut short here (its deadline) cannot delete its keys itself: they go with the test.
    if (redis) await deleteKeys(REDIS_URL, `bench-${bench.pid}:*`);
  });
  let stdout = '';
  let stderr = '';
  bench.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  bench.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

  const closed = new Promise<number | null>((resolve) => bench.once('close', (code) => resolve(code)));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), DEADLINE_MS);
  });
  const code = await Promise.race([closed, deadline]);
  clearTimeout(timer);
  assert.notEqual(code, 'deadline', `bench --quick still running after ${DEADLINE_MS} ms:\n${stderr}`);
  assert.equal(code, 0, `bench --quick failed:\n${stderr}\n${stdout}`);

  assert.match(stdout, /^## Boot and memory: cold and warm compile cache$/m);
  assert.match(stdout, /^\| Express \+ Helmet alone /m);
  assert.match(stdout, /^\| the kit, LOG_LEVEL=info /m);
  assert.match(stdout, /^## Throughput and latency$/m);
  assert.match(stdout, /^\| single \(1\) /m);
  assert.match(stdout, /^\| cluster of 2\b.*\(2\) /m);
  assert.match(stdout, /^## The database route: CPU per request against Express \+ pg alone, and the pools$/m);
  if (postgres) {
    assert.match(stdout, /^\| Express \+ Helmet \+ pg alone /m);
    assert.match(stdout, /^\| single \(1\) +\| \/demo\/db-sleep\?ms=0 /m);
  } else assert.match(stdout, /^Not measured: no PostgreSQL at /m);
  assert.match(
    stdout,
    /^## A rate-limited route: CPU per request against express-rate-limit \+ rate-limit-redis alone$/m,
  );
  if (redis) assert.match(stdout, /^\| the kit, rateLimit counting in Redis, LOG_LEVEL=info /m);
  else assert.match(stdout, /^Not measured: no Redis at /m);
  assert.match(stdout, /^## Every dyno on the page: what the fleet's reports cost$/m);
  if (redis) assert.match(stdout, /^\| REDIS_URL set: reporting, under load on \/api\/info /m);
  assert.match(stdout, /^## Jobs: the worker process type$/m);
  if (redis) assert.match(stdout, /^\| the kit's runner \(node worker\.ts\), LOG_LEVEL=info /m);
  assert.match(stdout, /^## Lifecycle/m);
  assert.match(stdout, /^## Targets/m);

  const files = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  assert.ok(files.includes('latest.json'), `no latest.json in ${files.join(', ')}`);
  assert.ok(
    files.some((name) => /^\d{4}-\d\d-\d\dT.*\.json$/.test(name)),
    `no timestamped file in ${files.join(', ')}`,
  );
  const results = JSON.parse(await readFile(path.join(dir, 'latest.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(Object.keys(results).sort(), [...TOP_LEVEL_KEYS].sort());

  // Every server the bench measured is gone with it.
  const memory = results.memory as { byConfig: { primaryPid: number | null; perWorker: { pid: number }[] }[] };
  const pids = memory.byConfig.flatMap((c) => [
    ...(c.primaryPid === null ? [] : [c.primaryPid]),
    ...c.perWorker.map((w) => w.pid),
  ]);
  assert.ok(pids.length > 0);
  assert.deepEqual(
    pids.filter((pid) => isAlive(pid)),
    [],
  );

  // Every key the run made in Redis was under its own prefix, and is gone with it.
  if (redis) {
    const admin = await redisAdmin(t, REDIS_URL);
    assert.deepEqual(await admin.keys(`bench-${bench.pid}:*`), [], 'no key of the run left behind');
  }
});
