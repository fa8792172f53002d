// The live view of /api/cluster on the page at /. Plain JavaScript: browsers do not strip
// types, and the kit has no build step. Polls once a second; the numbers come from the
// primary, so every worker shows, not only the one that answered.
const REFRESH_MS = 1000;
const MB = 1024 * 1024;

const summary = document.getElementById('cluster-summary');
const dyno = document.getElementById('cluster-dyno');
const rows = document.querySelector('#workers tbody');
const chart = document.getElementById('chart');

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

function render(status) {
  const mode =
    status.mode === 'single'
      ? 'one process, no cluster'
      : `${status.workers.length} workers under primary pid ${status.primary.pid}`;
  const { count, reason } = status.workerCount;
  // The dyno that answered this poll: the page's own may differ on a scaled app.
  dyno.textContent = status.dyno ?? 'this machine';
  summary.textContent = `${mode}. Why ${count}: ${reason}. Restarts: ${status.restarts}, reloads: ${status.reloads}.`;

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
}

async function refresh() {
  try {
    const response = await fetch('/api/cluster', { cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    render(await response.json());
  } catch (err) {
    summary.textContent = `Cannot reach /api/cluster (${err.message}): is the server draining?`;
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

refresh();

// Visits, three ways: fetched when the page opens and after each click, not polled, so the
// counts move only when someone counts a visit.
const visitCells = {
  worker: document.getElementById('visits-worker'),
  dyno: document.getElementById('visits-dyno'),
  database: document.getElementById('visits-database'),
};
const visitNote = document.getElementById('visits-note');
const countVisit = document.getElementById('count-visit');

function renderVisits(visits) {
  const worker = visits.worker.workerId === null ? 'the single process' : `worker ${visits.worker.workerId}`;
  visitCells.worker.textContent = `${visits.worker.count} (${worker}, pid ${visits.worker.pid})`;
  visitCells.dyno.textContent = String(visits.dyno.count);
  visitCells.database.textContent = visits.database.count === null ? 'no database' : String(visits.database.count);
  visitNote.textContent = visits.database.note ?? '';
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
