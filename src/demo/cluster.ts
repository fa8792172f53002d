import express, { type Request, type Response, Router } from 'express';
import type { ClusterStatus, ClusterView, ProcessIdentity, WatchFrame } from '../runtime/contract.ts';
import { BURN_MS, BURN_TOPIC, LEAK_STEP_MB, LEAK_TOPIC } from './leak-and-burn.ts';

/**
 * Heroku's router closes a response that sends nothing for 55 s; a comment line this often
 * keeps a quiet stream open there and through most proxies.
 * https://devcenter.heroku.com/articles/request-timeout#long-polling-and-streaming-responses
 */
const HEARTBEAT_MS = 15_000;
/** How soon EventSource reconnects when its worker goes: under the page's one-second promise. */
const RETRY_MS = 500;

/** /api/cluster: the primary's view of every worker, and its live timeline, part of the demo surface. */
export function clusterRoutes(view: ClusterView, identity: ProcessIdentity): Router {
  const router = Router();
  router.get('/cluster', async (_req, res) => {
    res.json(await view.status());
  });
  router.get('/cluster/events', (req, res) => stream(req, res, view, identity));
  return router;
}

/**
 * Server-Sent Events: `hello` (which process streams), the recent `lifecycle` events (each with
 * its seq as the SSE id, so a reconnecting page gets only what it missed), then live events
 * and a `status` frame a second, until `bye` when this process drains.
 */
function stream(req: Request, res: Response, view: ClusterView, identity: ProcessIdentity): void {
  const lastSeen = Number(req.get('last-event-id') ?? req.query.after ?? 0);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    // No buffering in nginx-style proxies: an event must reach the page as it happens.
    'x-accel-buffering': 'no',
  });
  const write = (event: string, data: unknown, id?: number) =>
    res.write(`${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  res.write(`retry: ${RETRY_MS}\n\n`);
  // The primary's pid tells a page that its dyno restarted: the seqs then start again from 1.
  const primaryPid = identity.workerId === null ? null : process.ppid;
  write('hello', { pid: identity.pid, worker: identity.workerId, primaryPid, instance: identity.instance });

  const heartbeat = setInterval(() => res.write(': still here\n\n'), HEARTBEAT_MS);
  const onFrame = (frame: WatchFrame) => {
    if (frame.kind === 'event') write('lifecycle', frame.event, frame.event.seq);
    else if (frame.kind === 'status') write('status', frame.status);
    else {
      write('bye', { reason: frame.reason });
      res.end();
    }
  };
  const stop = view.watch(onFrame, Number.isInteger(lastSeen) && lastSeen > 0 ? lastSeen : 0);
  res.on('close', () => {
    clearInterval(heartbeat);
    stop();
  });
}

const CLUSTER_ONLY = {
  error: 'Conflict',
  message: 'This needs a cluster, and one process serves alone: start it with WEB_CONCURRENCY=2 or more.',
};

type Target = { readonly worker: number; readonly pid: number | undefined } | { readonly error: string };

/** The worker a request names in `worker` (its id), or any serving one when it names none. */
function pickWorker(status: ClusterStatus, body: unknown): Target {
  const serving = status.workers.filter((w) => w.state === 'ready' && w.id !== null);
  const named = (body as { worker?: unknown } | undefined)?.worker;
  if (named === undefined || named === null || named === '') {
    const any = serving[Math.floor(Math.random() * serving.length)];
    return any?.id ? { worker: any.id, pid: any.pid } : { error: 'No worker is serving right now.' };
  }
  const chosen = serving.find((w) => w.id === Number(named));
  if (chosen?.id) return { worker: chosen.id, pid: chosen.pid };
  return {
    error: `"worker" must be the id of a serving worker (${serving.map((w) => w.id).join(', ') || 'none now'}), or left out for any; got ${JSON.stringify(named)}.`,
  };
}

/**
 * The page's buttons: development only. The caller mounts these only outside production, and
 * the primary refuses a kill or a reload in production even so. Each answers 202 first and acts
 * once the answer is on its way: the worker killed may be the one answering.
 */
export function clusterControlRoutes(view: ClusterView): Router {
  const router = Router();
  router.use(express.json({ limit: '1kb' }));
  const accepted = (res: Response, body: object, act: () => void) => {
    res.on('finish', act);
    res.status(202).json(body);
  };

  router.post('/cluster/kill', async (req, res) => {
    const status = await view.status();
    if (status.mode === 'single') return void res.status(409).json(CLUSTER_ONLY);
    const target = pickWorker(status, req.body);
    if ('error' in target) return void res.status(422).json({ error: 'Unprocessable Entity', message: target.error });
    accepted(res, { action: 'kill', signal: 'SIGKILL', ...target }, () =>
      view.control({ action: 'kill', worker: target.worker }),
    );
  });

  router.post('/cluster/reload', async (_req, res) => {
    const status = await view.status();
    if (status.mode === 'single') return void res.status(409).json(CLUSTER_ONLY);
    accepted(res, { action: 'reload', workers: status.workers.length }, () => view.control({ action: 'reload' }));
  });

  router.post('/cluster/leak', async (req, res) => {
    const status = await view.status();
    // Alone, nothing would recycle it: the process would grow until the platform kills it.
    if (status.mode === 'single') return void res.status(409).json(CLUSTER_ONLY);
    const target = pickWorker(status, req.body);
    if ('error' in target) return void res.status(422).json({ error: 'Unprocessable Entity', message: target.error });
    // Past the budget by a margin, then it holds: the primary replaces it well before that.
    const untilBytes = status.memoryBudgetBytes + 64 * 1024 * 1024;
    const budgetMb = Math.round(status.memoryBudgetBytes / 1024 / 1024);
    accepted(res, { action: 'leak', ...target, budgetBytes: status.memoryBudgetBytes }, () =>
      view.tell(
        LEAK_TOPIC,
        { untilBytes },
        target.worker,
        `worker ${target.worker} was told to leak ${LEAK_STEP_MB} MB every 50 ms: past its ${budgetMb} MB budget, the supervisor replaces it`,
      ),
    );
  });

  router.post('/cluster/burn', async (_req, res) => {
    const status = await view.status();
    accepted(res, { action: 'burn', ms: BURN_MS, workers: status.workers.length }, () =>
      view.tell(
        BURN_TOPIC,
        { ms: BURN_MS },
        'all',
        `every worker was told to burn CPU for ${BURN_MS / 1000} s: watch the CPU column, and requests still being answered between slices`,
      ),
    );
  });
  return router;
}
