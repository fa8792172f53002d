import { Router } from 'express';
import type { ProcessIdentity, Surfaces } from '../runtime/contract.ts';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Where the timeline's links lead: each event's `doc` is a path in this repository. */
const DOCS_BASE = 'https://github.com/express-cluster-starter/express-cluster-starter/blob/main/';

export interface PageOptions {
  /** The buttons that make the supervisor act: development only. */
  readonly buttons: boolean;
  /** The demo rate limit's requests per burst, and where it counts. */
  readonly limit: number;
  readonly limitScope: string;
}

const controls = `<section id="controls" aria-labelledby="controls-title">
<h3 id="controls-title">Make the supervisor act</h3>
<p class="hint">Development only: in production these buttons, and the routes behind them, do not exist.</p>
<p><label for="target-worker">Worker to kill or to leak</label>
<select id="target-worker"><option value="">any worker</option></select></p>
<div class="buttons">
<button type="button" data-action="kill">Kill a worker</button>
<button type="button" data-action="reload">Rolling reload</button>
<button type="button" data-action="leak">Make a worker leak memory</button>
<button type="button" data-action="burn">Burn CPU on every worker</button>
</div>
<p id="control-note" role="status"></p>
</section>`;

function liveView(identity: ProcessIdentity, options: PageOptions): string {
  return `<section id="cluster">
<h2>The cluster, live</h2>
<p class="hint">This is one instance's cluster (a dyno on Heroku, a Machine on Fly.io): <strong id="cluster-instance">${escapeHtml(identity.instance ?? 'this machine')}</strong> and its workers.
A scaled app (<code>heroku ps:scale web=3</code>) runs one such cluster per instance, and the platform's router spreads requests across them: the table of every dyno below shows them all.</p>
<p id="cluster-summary">Connecting to /api/cluster/events&hellip;</p>
<p id="stream-note" role="status"></p>
<div class="scroll" tabindex="0" role="region" aria-label="Workers">
<table id="workers">
<thead><tr><th scope="col">Slot</th><th scope="col">Worker</th><th scope="col">PID</th><th scope="col">State</th><th scope="col">Uptime</th><th scope="col">Memory</th><th scope="col">CPU</th><th scope="col">Requests</th><th scope="col">Restarts</th></tr></thead>
<tbody></tbody>
</table>
</div>
<h3>Requests per worker</h3>
<div id="chart" role="img" aria-label="Requests served by each worker"></div>
<p class="hint">Run <code>npm run bench</code> in another terminal and watch the load spread.</p>
${options.buttons ? controls : ''}
<h3 id="fleet-title">Every dyno</h3>
<p class="hint" id="fleet-note">With Redis attached, each dyno reports itself every 2 seconds, and one that stops reporting leaves this table within 8.</p>
<div class="scroll" tabindex="0" role="region" aria-labelledby="fleet-title">
<table id="dynos">
<thead><tr><th scope="col">Dyno</th><th scope="col">Platform</th><th scope="col">Workers ready</th><th scope="col">Restarts</th><th scope="col">Requests</th><th scope="col">Memory</th><th scope="col">Last seen</th></tr></thead>
<tbody></tbody>
</table>
</div>
<h3 id="timeline-title">What the supervisors did</h3>
<p class="hint">Newest first, pushed by the server as it happens; another dyno's events are marked with its name. Each kind links to the docs that explain it.</p>
<ol id="timeline" aria-labelledby="timeline-title" aria-live="polite" aria-relevant="additions" data-docs="${DOCS_BASE}"></ol>
</section>
<section id="visits" aria-live="polite">
<h2>Visits, counted four ways</h2>
<p class="hint">A worker's memory is its own, and round-robin sends each request to another worker, so that count jumps around.
The primary's count is the whole dyno's, but a scaled app has one primary per dyno: Redis and the database are shared by every dyno.
Use Redis for what every dyno must see at once and can afford to lose (a count, a rate limit, a cache: one atomic command, in memory); use the database for what must be kept across restarts.</p>
<table id="visit-counts">
<tbody>
<tr><th scope="row">In the memory of the worker that answered</th><td id="visits-worker">&ndash;</td></tr>
<tr><th scope="row">In the primary: this dyno</th><td id="visits-dyno">&ndash;</td></tr>
<tr><th scope="row">In Redis: every dyno</th><td id="visits-redis">&ndash;</td></tr>
<tr><th scope="row">In the database: every dyno</th><td id="visits-database">&ndash;</td></tr>
</tbody>
</table>
<p><button type="button" id="count-visit">Count a visit</button> <span id="visits-note"></span></p>
</section>
<section id="jobs" aria-labelledby="jobs-title">
<h2 id="jobs-title">Jobs, on the worker process type</h2>
<p class="hint">Work that must not hold a request waits in Redis for the worker process type (<code>npm run worker</code>, the Procfile's <code>worker:</code>): one runner per core, supervised like the web's workers.
Each sample job uses the CPU for half a second. Kill a runner mid-batch (<code>kill -9</code>) and its job runs again once its lock expires: its runs column says so.
<a href="${DOCS_BASE}docs/jobs.md">How jobs work</a>.</p>
<p id="job-counts" role="status">&ndash;</p>
<p><button type="button" id="enqueue-jobs">Enqueue 20 sample jobs</button> <span id="jobs-note"></span></p>
<div class="scroll" tabindex="0" role="region" aria-label="Latest jobs">
<table id="job-list">
<thead><tr><th scope="col">Job</th><th scope="col">State</th><th scope="col">Runs started</th><th scope="col">Ran by</th><th scope="col">Time</th></tr></thead>
<tbody></tbody>
</table>
</div>
</section>
<section id="limit" aria-labelledby="limit-title">
<h2 id="limit-title">A rate limit that holds</h2>
<p class="hint">A limit kept in each worker's memory lets a client through once per worker per dyno.
This one holds for <strong>${escapeHtml(options.limitScope)}</strong>, whichever process answers.
The button fires ${options.limit * 2} requests at once to <code>/api/limited</code>, which lets ${options.limit} through.</p>
<p><button type="button" id="fire-burst" data-count="${options.limit * 2}">Fire ${options.limit * 2} requests</button></p>
<p id="limit-result" role="status"></p>
</section>`;
}

/** Links only to what this instance serves: a surface that is off is not advertised. */
function tryIt(surfaces: Surfaces): string {
  const items = [
    ...(surfaces.demo
      ? [
          '<li><a href="/api/info">/api/info</a>: this process as JSON (pid, worker id, dyno, uptime, memory)</li>',
          '<li><a href="/demo/cpu?ms=200">/demo/cpu?ms=200</a>: burns 200 ms of CPU. One process serves these one at a time; a cluster serves one per worker.</li>',
          '<li><a href="/demo/sleep?ms=200">/demo/sleep?ms=200</a>: waits 200 ms without blocking: a single process serves thousands of these at once.</li>',
          '<li><a href="/api/cluster">/api/cluster</a>: the table above as JSON, from the primary\'s view; <code>/api/cluster/events</code> streams the timeline (Server-Sent Events)</li>',
          '<li><a href="/api/visits">/api/visits</a>: the four visit counts as JSON (<code>POST</code> counts one)</li>',
          '<li><a href="/api/limited?burst=try">/api/limited?burst=try</a>: the rate limit above: reload it past its limit and it answers 429</li>',
          '<li><a href="/demo/db-sleep?ms=200">/demo/db-sleep?ms=200</a>: holds a database connection for 200 ms: a drain waits for it</li>',
        ]
      : []),
    ...(surfaces.metrics === 'open'
      ? ['<li><a href="/metrics">/metrics</a>: Prometheus metrics summed over every worker</li>']
      : []),
    '<li><a href="/healthz">/healthz</a> and <a href="/readyz">/readyz</a>: liveness and readiness</li>',
    ...(surfaces.demo
      ? [`<li><code>curl -X POST -H 'content-type: application/json' -d '{"hello":"world"}' /api/echo</code></li>`]
      : []),
  ];
  return `<ul>\n${items.join('\n')}\n</ul>`;
}

function page(identity: ProcessIdentity, surfaces: Surfaces, options: PageOptions): string {
  const process =
    identity.workerId === null
      ? `the single process (pid ${identity.pid})`
      : `worker ${identity.workerId} (pid ${identity.pid})`;
  const served = identity.instance === null ? process : `${process} of instance ${identity.instance}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>express-cluster-starter</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/style.css">
</head>
<body>
<main>
<h1>express-cluster-starter</h1>
<p class="served">This page was served by <strong id="served-by">${escapeHtml(served)}</strong>.
Reload it: with more than one worker, another process may answer; with more than one dyno, another dyno may.</p>
${surfaces.demo ? liveView(identity, options) : ''}
<h2>What is running</h2>
<p><code>node start.ts</code> starts one worker process per core this machine really has
(<code>WEB_CONCURRENCY</code> overrides it). A small primary process supervises them: it replaces a
worker that dies, reloads them one at a time on <code>SIGHUP</code>, and on <code>SIGTERM</code>
lets every request in flight finish before it exits.</p>
<h2>Try it</h2>
${tryIt(surfaces)}
</main>
${surfaces.demo ? '<script src="/static/status.js" defer></script>\n' : ''}</body>
</html>
`;
}

export function pageRoutes(identity: ProcessIdentity, surfaces: Surfaces, options: PageOptions): Router {
  const router = Router();
  // Rendered once: what it says is fixed at boot.
  const html = page(identity, surfaces, options);
  router.get('/', (req, res, next) => {
    // The page is for browsers; a client that asks for JSON first gets your app's own /.
    if (req.accepts(['html', 'json']) === 'json') next();
    else res.type('html').send(html);
  });
  return router;
}
