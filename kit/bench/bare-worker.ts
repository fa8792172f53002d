// What the kit's job runner is measured against: a bare BullMQ Worker on the same queue, with
// the same handler as the demo's sample job (src/demo/jobs.ts) and nothing else: no log line per
// job, no timeout, no resources, no supervisor. It logs only the line the bench waits for.
import { createNodeRedisClient, Worker } from 'bullmq';
import { createClient } from 'redis';
import { QUEUE_NAME } from '../../src/runtime/jobs/queue.ts';

// The demo's job, loaded by path: like the rest of the bench it needs the teaching surface, and
// the kit's type check must pass once `npm run remove-demo` has deleted it.
const DEMO_JOBS = '../../src/demo/jobs.ts';
const { sampleJob } = (await import(DEMO_JOBS)) as {
  sampleJob: { run(payload: unknown, job: Record<string, unknown>): Promise<unknown> };
};

// The run's own prefix, as the kit's runner gets it: the bench's queue, never a developer's.
const { REDIS_URL, REDIS_KEY_PREFIX } = process.env;
if (!REDIS_KEY_PREFIX) throw new Error('REDIS_KEY_PREFIX is unset: the bench names a prefix of its own');
const client = createClient({ url: REDIS_URL });
client.on('error', () => {});
const identity = { instance: null, workerId: null, pid: process.pid };
const worker = new Worker(
  QUEUE_NAME,
  async (job, _token, signal) =>
    sampleJob.run(job.data, {
      id: String(job.id),
      attempt: job.attemptsMade + 1,
      log: console as never,
      signal: signal ?? new AbortController().signal,
      resources: undefined,
      ctx: { identity } as never,
    }),
  { connection: createNodeRedisClient(client), prefix: REDIS_KEY_PREFIX, concurrency: 1 },
);
await worker.waitUntilReady();
process.stdout.write(`${JSON.stringify({ msg: 'listening', proc: 'app', pid: process.pid, port: 0 })}\n`);
process.on(
  'SIGTERM',
  () =>
    void worker
      .close()
      .then(() => client.close())
      .then(() => process.exit(0)),
);
