// The worker process type under load, with the machine's Redis: CPU-bound jobs per second of 2
// runner processes against 1 (the demo's sample job, CPU for a few ms each), and the CPU a
// trivial job costs the kit's runner against a bare BullMQ Worker on the same queue
// (kit/bench/bare-worker.ts). The bench enqueues in bulk and reads the queue's counts; the queue
// is emptied before and after each run.
import { createNodeRedisClient, Queue } from 'bullmq';
import { createClient } from 'redis';
import { QUEUE_NAME } from '../../src/runtime/jobs/queue.ts';
import { type AppProcess, launch } from './cluster-process.ts';
import { cpusForServer, pinThisProcess } from './pinning.ts';
import { cpuSeconds } from './procfs.ts';
import { BENCH_KEY_PREFIX } from './redis.ts';

export interface JobsThroughput {
  readonly runners: number;
  readonly jobs: number;
  readonly jobMs: number;
  readonly seconds: number;
  readonly jobsPerS: number;
}

export interface JobsCostRow {
  readonly name: string;
  /** Median over the rounds of the runner process's CPU per job, in microseconds, once warm. */
  readonly cpuUsPerJob: number | null;
  readonly vsBare: number | null;
  readonly perRound: readonly (number | null)[];
  /** The same over the warm-up's jobs: what a runner pays once, after each boot. */
  readonly warmUpCpuUsPerJob: number | null;
  readonly warmUpVsBare: number | null;
}

export interface JobsBench {
  readonly throughput: readonly JobsThroughput[];
  readonly ratio: number | null;
  readonly cost: {
    readonly jobs: number;
    readonly warmJobs: number;
    readonly rounds: number;
    /** The CPU each runner ran on alone, or null where it could not be pinned. */
    readonly runnerCpu: number | null;
    readonly rows: readonly JobsCostRow[];
  };
}

const median = (values: readonly number[]) => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function withQueue<T>(url: string, act: (queue: Queue) => Promise<T>): Promise<T> {
  const client = createClient({ url });
  client.on('error', () => {});
  await client.connect();
  const queue = new Queue(QUEUE_NAME, { connection: createNodeRedisClient(client), prefix: BENCH_KEY_PREFIX });
  try {
    await queue.obliterate({ force: true });
    return await act(queue);
  } finally {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await client.close();
  }
}

/** Adds `jobs` sample jobs at once and waits until every one is completed; the seconds it took. */
async function runBatch(queue: Queue, jobs: number, jobMs: number): Promise<number> {
  const started = performance.now();
  await queue.addBulk(
    Array.from({ length: jobs }, () => ({
      name: 'demo-sample',
      data: { ms: jobMs },
      opts: { removeOnComplete: false },
    })),
  );
  for (;;) {
    const { completed = 0, failed = 0 } = await queue.getJobCounts('completed', 'failed');
    if (failed > 0) throw new Error(`${failed} sample jobs failed`);
    if (completed >= jobs) return (performance.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const processCpu = (app: AppProcess) => {
  const each = [...new Set([app.pid, ...app.workerPids.values()])].map(cpuSeconds);
  return each.some((s) => s === null) ? null : each.reduce((sum: number, s) => sum + (s ?? 0), 0);
};

const runnerLine = { msg: 'taking jobs', proc: 'runner' };

export async function measureJobs(options: {
  readonly redisUrl: string;
  readonly env: Readonly<Record<string, string>>;
  readonly jobs: number;
  readonly jobMs: number;
  readonly costJobs: number;
  readonly warmJobs: number;
  readonly rounds: number;
}): Promise<JobsBench> {
  const { redisUrl, jobs, jobMs } = options;
  const env = { LOG_LEVEL: 'info', ...options.env, REDIS_URL: redisUrl };
  const throughput: JobsThroughput[] = [];
  for (const runners of [1, 2]) {
    const { app } = await launch(runners, {
      entry: 'worker.ts',
      env: { ...env, JOB_PROCESSES: String(runners) },
      readyLine: runnerLine,
    });
    try {
      const seconds = await withQueue(redisUrl, async (queue) => {
        await runBatch(queue, Math.max(4, jobs / 10), jobMs); // warm
        await queue.obliterate({ force: true });
        return runBatch(queue, jobs, jobMs);
      });
      throughput.push({ runners, jobs, jobMs, seconds, jobsPerS: jobs / seconds });
    } finally {
      await app.stop();
    }
  }
  const [one, two] = throughput;
  const ratio = one && two ? two.jobsPerS / one.jobsPerS : null;

  // CPU per trivial job: one process at a time on a CPU of its own (the bench and Redis on the
  // others), as a runner that has run for a while: both keep getting faster for the first ten
  // thousand jobs or so (in slices of 4,000 after the first thousand, a bare Worker's CPU per job
  // read 100, 93, 100, 65 and 63 us), and the kit's runner, with more code to warm, paid up to
  // 15% more in the early slices and the same after. Who goes first rotates each round, so a
  // drift over the run (this machine's neighbours) does not always land on the same runner; the
  // control is the bare Worker again, for the noise.
  const servers = [
    { name: 'a bare BullMQ Worker, the same handler', entry: 'kit/bench/bare-worker.ts', readyLine: undefined },
    { name: 'control: the same, a second process', entry: 'kit/bench/bare-worker.ts', readyLine: undefined },
    { name: "the kit's runner (node worker.ts), LOG_LEVEL=info", entry: 'worker.ts', readyLine: runnerLine },
  ];
  const perRound: (number | null)[][] = servers.map(() => []);
  const warmUpPerRound: (number | null)[][] = servers.map(() => []);
  const cpus = cpusForServer();
  const unpin = cpus ? pinThisProcess(cpus.others) : () => {};
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (let turn = 0; turn < servers.length; turn++) {
        const i = (turn + round) % servers.length;
        const server = servers[i] as (typeof servers)[number];
        const { app } = await launch(1, {
          entry: server.entry,
          env: { ...env, JOB_PROCESSES: '1' },
          ...(server.readyLine ? { readyLine: server.readyLine } : {}),
          ...(cpus ? { cpu: cpus.server } : {}),
        });
        try {
          const perJob = (from: number | null, to: number | null, jobs: number) =>
            from === null || to === null ? null : ((to - from) / jobs) * 1e6;
          const cpu = await withQueue(redisUrl, async (queue) => {
            const booted = processCpu(app);
            await runBatch(queue, options.warmJobs, 0);
            const warm = processCpu(app);
            await queue.obliterate({ force: true });
            const before = processCpu(app);
            await runBatch(queue, options.costJobs, 0);
            const after = processCpu(app);
            return { warmUp: perJob(booted, warm, options.warmJobs), steady: perJob(before, after, options.costJobs) };
          });
          perRound[i]?.push(cpu.steady);
          warmUpPerRound[i]?.push(cpu.warmUp);
        } finally {
          await app.stop();
        }
      }
    }
  } finally {
    unpin();
  }
  const medianVsBare = (all: (number | null)[][], i: number) => {
    const bare = all[0] ?? [];
    const rounds = all[i] ?? [];
    const ratios = rounds.flatMap((x, r) => (x === null || !bare[r] ? [] : [x / (bare[r] as number)]));
    return { cpu: median(rounds.flatMap((x) => (x === null ? [] : [x]))), vsBare: median(ratios) };
  };
  const rows = servers.map((server, i) => {
    const steady = medianVsBare(perRound, i);
    const warmUp = medianVsBare(warmUpPerRound, i);
    return {
      name: server.name,
      cpuUsPerJob: steady.cpu,
      vsBare: steady.vsBare,
      perRound: perRound[i] ?? [],
      warmUpCpuUsPerJob: warmUp.cpu,
      warmUpVsBare: warmUp.vsBare,
    };
  });
  return {
    throughput,
    ratio,
    cost: {
      jobs: options.costJobs,
      warmJobs: options.warmJobs,
      rounds: options.rounds,
      runnerCpu: cpus?.server ?? null,
      rows,
    },
  };
}
