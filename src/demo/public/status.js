// The live view on the page at /. Plain JavaScript: browsers do not strip types, and the kit
// has no build step. One stream, /api/cluster/events (Server-Sent Events), carries both the
// supervisor's lifecycle events and the status once a second; the numbers come from the
// primary, so every worker shows, not only the one that streams.
const MB = 1024 * 1024;
/** The timeline shows this many events at most: a page left open for a day stays small. */
const TIMELINE_LENGTH = 200;

const summary = document.getElementById('cluster-summary');
const instance = document.getElementById('cluster-instance');
const streamNote = document.getElementById('stream-note');
const rows = document.querySelector('#workers tbody');
const dynoRows = document.querySelector('#dynos tbody');
const fleetNote = document.getElementById('fleet-note');
const chart = document.getElementById('chart');
const timeline = document.getElementById('timeline');
const docsBase = timeline.dataset.docs;
const target = document.getElementById('target-worker');
const controlNote = document.getElementById('control-note');
const buttons = document.querySelectorAll('#controls button[data-action]');

const LABELS = {
  forked: 'worker forked',
  ready: 'worker ready',
  'cluster-ready': 'cluster ready',
  exited: 'worker exited',
  'not-ready-in-time': 'not ready in time',
  'restart-scheduled': 'restart scheduled',
  'crash-loop': 'crash loop',
  'reload-started': 'reload started',
  'reload-step': 'reload step',
  'reload-finished': 'reload finished',
  'reload-stopped': 'reload stopped',
  'reload-ignored': 'reload ignored',
  'over-budget': 'over its memory budget',
  'replacement-failed': 'replacement failed',
  'kill-requested': 'kill requested',
  told: 'workers told',
  'shutdown-started': 'shutdown started',
  'deadline-passed': 'deadline passed',
  drained: 'drained',
};
/** Shown as warnings: something went wrong, or was made to. */
const ALARMING = new Set(['crash-loop', 'over-budget', 'replacement-failed', 'kill-requested', 'deadline-passed']);

/** @param {number} seconds */
function uptime(seconds) {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h`;
}

/** @param {string} tag @param {string} text @param {string} [className] */
function cell(tag, text, className) {
  const element = document.createElement(tag);
  element.textContent = text;
  if (className) element.className = className;
  return element;
}

let mode = 'cluster';

function render(status) {
  mode = status.mode;
  const described =
    status.mode === 'single'
      ? 'one process, no cluster'
      : `${status.workers.length} workers under primary pid ${status.primary.pid}`;
  const { count, reason } = status.workerCount;
  // The instance that answered: the page's own may differ on a scaled app.
  instance.textContent = status.instance ?? 'this machine';
  summary.textContent = `${described}. Why ${count}: ${reason}. Restarts: ${status.restarts}, reloads: ${status.reloads}. Memory budget: ${Math.round(status.memoryBudgetBytes / MB)} MB a worker.`;

  rows.replaceChildren(
    ...status.workers.map((worker) => {
      const row = document.createElement('tr');
      row.dataset.slot = String(worker.slot);
      row.append(
        cell('td', String(worker.slot)),
        cell('td', worker.id === null ? '-' : String(worker.id)),
        cell('td', String(worker.pid ?? '-')),
        cell('td', worker.state, `state-${worker.state}`),
        cell('td', uptime(worker.uptimeSeconds)),
        cell('td', worker.rssBytes === null ? '-' : `${Math.round(worker.rssBytes / MB)} MB`),
        cell('td', worker.cpuPercent === null ? '-' : `${worker.cpuPercent}%`, 'cpu'),
        cell('td', String(worker.requests), 'requests'),
        cell('td', String(worker.restarts)),
      );
      return row;
    }),
  );

  const most = Math.max(1, ...status.workers.map((worker) => worker.requests));
  chart.replaceChildren(
    ...status.workers.map((worker) => {
      const bar = document.createElement('div');
      bar.className = 'bar';
      const track = cell('span', '', 'track');
      const fill = cell('span', '', 'fill');
      fill.style.width = `${(100 * worker.requests) / most}%`;
      track.append(fill);
      bar.append(cell('span', `slot ${worker.slot}`, 'label'), track, cell('span', String(worker.requests), 'count'));
      return bar;
    }),
  );
  renderTargets(status.workers.filter((worker) => worker.state === 'ready' && worker.id !== null));
  renderFleet(status.fleet, status.instance);
}

/** Every dyno that reported to Redis lately, or this one alone and why. */
function renderFleet(fleet, self) {
  const every = fleet.intervalMs / 1000;
  const gone = (fleet.staleAfterMs + fleet.intervalMs) / 1000;
  fleetNote.textContent = fleet.shared
    ? `${fleet.dynos.length} ${fleet.dynos.length === 1 ? 'dyno reports' : 'dynos report'} through Redis, each every ${every} s; one that stops reporting leaves within ${gone} s.`
    : `${fleet.note.charAt(0).toUpperCase()}${fleet.note.slice(1)}.`;
  dynoRows.replaceChildren(
    ...fleet.dynos.map((dyno) => {
      const row = document.createElement('tr');
      const ready = dyno.workers.filter((worker) => worker.state === 'ready').length;
      const name = dyno.instance === (self ?? dyno.instance) ? `${dyno.instance} (this one)` : dyno.instance;
      row.append(
        cell('th', name),
        cell('td', dyno.platform),
        cell('td', `${ready} of ${dyno.workerCount}`),
        cell('td', String(dyno.restarts)),
        cell('td', String(dyno.requests), 'requests'),
        cell('td', `${Math.round(dyno.rssBytes / MB)} MB`),
        cell('td', `${Math.max(0, Math.round((Date.now() - dyno.at) / 1000))} s ago`),
      );
      row.firstElementChild.scope = 'row';
      return row;
    }),
  );
  for (const event of fleet.events) addEvent(event, event.instance);
}

function renderTargets(serving) {
  if (!target) return;
  const chosen = target.value;
  target.replaceChildren(
    new Option('any worker', ''),
    ...serving.map((worker) => new Option(`worker ${worker.id} (slot ${worker.slot}, pid ${worker.pid})`, worker.id)),
  );
  // The chosen worker stays chosen while it lives; once it is gone, "any" is.
  target.value = serving.some((worker) => String(worker.id) === chosen) ? chosen : '';
  for (const button of buttons) {
    const needsCluster = button.dataset.action !== 'burn';
    button.disabled = needsCluster && mode === 'single';
    button.title = button.disabled ? 'needs a cluster: start with WEB_CONCURRENCY=2 or more' : '';
  }
}

/** Seqs shown, per primary: a reconnect may repeat what the page already has. */
let seen = new Set();
let primaryPid = null;

function who(event) {
  if (event.worker === undefined) return '';
  return `worker ${event.worker} (pid ${event.pid}, slot ${event.slot})`;
}

/** Another dyno's event: its key is its instance and Redis stream id, its order its time. */
function addEvent(event, from) {
  const key = from === undefined ? event.seq : `${from} ${event.id}`;
  if (seen.has(key)) return;
  seen.add(key);
  const item = document.createElement('li');
  item.className = `event${ALARMING.has(event.kind) || (event.kind === 'exited' && !event.details?.expected) ? ' alarming' : ''}`;
  item.dataset.kind = event.kind;
  item.dataset.seq = String(event.seq);
  const at = new Date(event.at);
  const time = cell('time', at.toLocaleTimeString([], { hour12: false }));
  time.dateTime = at.toISOString();
  const link = cell('a', LABELS[event.kind] ?? event.kind, 'kind');
  link.href = docsBase + event.doc;
  const heading = document.createElement('p');
  heading.className = 'what';
  item.dataset.at = String(event.at);
  heading.append(time, ' ', link, ' ', cell('span', who(event), 'who'));
  if (from !== undefined) {
    item.classList.add('elsewhere');
    heading.append(' ', cell('span', `on ${from}`, 'dyno'));
  }
  item.append(heading, cell('p', event.why, 'why'));
  // Newest first: this dyno's in seq order even when a reconnect brings an older one late,
  // another dyno's by time among them.
  const after = [...timeline.children].find((other) =>
    from === undefined && other.dataset.seq !== undefined && !other.classList.contains('elsewhere')
      ? Number(other.dataset.seq) < event.seq
      : Number(other.dataset.at) < event.at,
  );
  timeline.insertBefore(item, after ?? null);
  while (timeline.children.length > TIMELINE_LENGTH) timeline.lastElementChild.remove();
}

function note(text) {
  streamNote.textContent = text;
}

let streamer = null;
let goodbye = null;
const source = new EventSource('/api/cluster/events');

source.addEventListener('hello', (message) => {
  const hello = JSON.parse(message.data);
  // Another primary: the dyno restarted, and its seqs start again from 1.
  if (hello.primaryPid !== primaryPid) {
    if (primaryPid !== null) timeline.replaceChildren();
    seen = new Set();
    primaryPid = hello.primaryPid;
  }
  const here = hello.worker === null ? `this process (pid ${hello.pid})` : `worker ${hello.worker} (pid ${hello.pid})`;
  if (streamer === null) note(`Live: streaming from ${here}.`);
  else if (streamer.pid !== hello.pid) {
    const why = goodbye ?? 'its connection dropped';
    const was = streamer.worker === null ? `pid ${streamer.pid}` : `worker ${streamer.worker}`;
    note(`Reconnected by itself: ${was} stopped streaming (${why}); now streaming from ${here}.`);
  } else note(`Reconnected to ${here}.`);
  streamer = hello;
  goodbye = null;
});
source.addEventListener('lifecycle', (message) => addEvent(JSON.parse(message.data)));
source.addEventListener('status', (message) => render(JSON.parse(message.data)));
source.addEventListener('bye', (message) => {
  goodbye = JSON.parse(message.data).reason;
  note(`The stream ended: ${goodbye}. Reconnecting to another worker…`);
});
source.addEventListener('error', () => {
  // EventSource retries by itself; it gives up only on a response that is not a stream.
  if (source.readyState === EventSource.CLOSED) note('The stream stopped: reload the page to try again.');
  else if (goodbye === null) note('The stream dropped (its worker died, or the server is gone). Reconnecting…');
});

async function act(action) {
  const worker = target?.value;
  const body = (action === 'kill' || action === 'leak') && worker ? { worker: Number(worker) } : {};
  controlNote.textContent = `Asking for ${action}…`;
  try {
    const response = await fetch(`/api/cluster/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.message ?? `HTTP ${response.status}`);
    const whom = answer.worker === undefined ? '' : ` worker ${answer.worker} (pid ${answer.pid})`;
    controlNote.textContent = `${response.status} Accepted: ${action}${whom}. Watch the timeline.`;
  } catch (err) {
    controlNote.textContent = `Not done: ${err.message}`;
  }
}

for (const button of buttons) button.addEventListener('click', () => act(button.dataset.action));

// Visits, four ways: fetched when the page opens and after each click, not polled, so the
// counts move only when someone counts a visit.
const visitCells = {
  worker: document.getElementById('visits-worker'),
  dyno: document.getElementById('visits-dyno'),
  redis: document.getElementById('visits-redis'),
  database: document.getElementById('visits-database'),
};
const visitNote = document.getElementById('visits-note');
const countVisit = document.getElementById('count-visit');

function renderVisits(visits) {
  const worker = visits.worker.workerId === null ? 'the single process' : `worker ${visits.worker.workerId}`;
  visitCells.worker.textContent = `${visits.worker.count} (${worker}, pid ${visits.worker.pid})`;
  visitCells.dyno.textContent = String(visits.dyno.count);
  visitCells.redis.textContent = visits.redis.count === null ? 'not counted' : String(visits.redis.count);
  visitCells.database.textContent = visits.database.count === null ? 'no database' : String(visits.database.count);
  visitNote.textContent = [visits.redis.note, visits.database.note].filter(Boolean).join(' ');
}

/** @param {'GET' | 'POST'} method */
async function visits(method) {
  try {
    const response = await fetch('/api/visits', { method, cache: 'no-store' });
    const body = await response.json();
    if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
    renderVisits(body);
  } catch (err) {
    visitNote.textContent = `Not counted: ${err.message}`;
  }
}

countVisit.addEventListener('click', () => visits('POST'));
visits('GET');

// The rate limit: twice its limit fired at once, under a key of this press's own.
const fire = document.getElementById('fire-burst');
const limitResult = document.getElementById('limit-result');

async function fireBurst() {
  // getRandomValues, not randomUUID: randomUUID exists only in a secure context, and this page
  // is also opened over plain HTTP at a LAN address.
  const burst = Array.from(crypto.getRandomValues(new Uint32Array(2)), (n) => n.toString(36)).join('');
  const count = Number(fire.dataset.count);
  fire.disabled = true;
  limitResult.textContent = `Firing ${count} requests…`;
  try {
    const answers = await Promise.all(
      Array.from({ length: count }, () =>
        fetch(`/api/limited?burst=${burst}`, { cache: 'no-store' }).then(async (r) => ({
          status: r.status,
          body: await r.json(),
        })),
      ),
    );
    const accepted = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 429).length;
    const other = answers.length - accepted.length - refused;
    const by = accepted.map((a) => (a.body.worker === null ? 'the single process' : `worker ${a.body.worker}`));
    const dynos = new Set(accepted.map((a) => a.body.instance).filter(Boolean));
    limitResult.textContent =
      `${accepted.length} accepted (${by.join(', ') || 'none'}${dynos.size ? ` on ${[...dynos].join(', ')}` : ''}), ` +
      `${refused} refused with 429` +
      (other ? `, ${other} failed otherwise` : '') +
      '.';
  } catch (err) {
    limitResult.textContent = `Not fired: ${err.message}`;
  } finally {
    fire.disabled = false;
  }
}

fire.addEventListener('click', fireBurst);

// Jobs: the queue when the page opens, then every second while a batch runs.
const jobCounts = document.getElementById('job-counts');
const jobsNote = document.getElementById('jobs-note');
const jobRows = document.querySelector('#job-list tbody');
const enqueueJobs = document.getElementById('enqueue-jobs');
let jobsTimer = null;

function renderJobs({ counts, recent, note }) {
  if (counts === null) {
    jobCounts.textContent = `No queue here: ${note}.`;
    jobRows.replaceChildren();
    return 0;
  }
  jobCounts.textContent = `Waiting ${counts.waiting}, running ${counts.active}, done ${counts.completed}, failed ${counts.failed}.`;
  jobRows.replaceChildren(
    ...recent.map((job) => {
      const row = document.createElement('tr');
      row.append(
        cell('td', `${job.name} #${job.id}`),
        cell('td', job.state),
        cell('td', String(job.attempts)),
        cell('td', job.ranBy ?? '-'),
        cell('td', job.ms === null ? '-' : `${job.ms} ms`),
      );
      return row;
    }),
  );
  return counts.waiting + counts.active + counts.delayed;
}

async function refreshJobs() {
  try {
    const response = await fetch('/api/jobs', { cache: 'no-store' });
    const body = await response.json();
    if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
    const pending = renderJobs(body);
    if (pending === 0 && jobsTimer !== null) {
      clearInterval(jobsTimer);
      jobsTimer = null;
    }
  } catch (err) {
    jobCounts.textContent = `The queue: ${err.message}`;
    if (jobsTimer !== null) clearInterval(jobsTimer);
    jobsTimer = null;
  }
}

enqueueJobs.addEventListener('click', async () => {
  jobsNote.textContent = 'Enqueuing…';
  try {
    const response = await fetch('/api/jobs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 20, ms: 500 }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
    jobsNote.textContent = `${body.enqueued.length} enqueued. Without a worker running (npm run worker), they wait.`;
    jobsTimer ??= setInterval(refreshJobs, 1_000);
    refreshJobs();
  } catch (err) {
    jobsNote.textContent = `Not enqueued: ${err.message}`;
  }
});
refreshJobs();
