// The live page's stream and buttons, over HTTP against a real cluster: history first, then
// live events in the order the supervisor acts; streams that end with their worker and pick
// up elsewhere; and no buttons at all in production.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { needsDemo } from '../helpers/demo.ts';
import { request } from '../helpers/http.ts';
import { byMsg, startDyno } from '../helpers/process.ts';
import { isEvent, lifecycle, openStream, type SseStream } from '../helpers/sse.ts';

const json = { 'content-type': 'application/json' };
const post = (url: string, body: unknown = {}) =>
  request(url, { method: 'POST', headers: json, body: JSON.stringify(body) });
const hello = (stream: SseStream) =>
  stream.waitFor('hello', (f) => f.event === 'hello').then((f) => f.data as { pid: number; worker: number | null });
const kinds = (events: readonly { kind: string }[]) => events.map((e) => e.kind);

async function cluster(t: TestContext, env: Record<string, string> = {}) {
  const dyno = startDyno(t, { WEB_CONCURRENCY: '2', ...env });
  const { port } = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
  return { dyno, base: `http://127.0.0.1:${port}` };
}

/**
 * Follows the timeline as a page does: when a stream ends (its worker drained or died), it
 * opens another with Last-Event-ID, until `done` holds for the events seen.
 */
async function follow(t: TestContext, base: string, done: (events: ReturnType<typeof lifecycle>) => boolean) {
  const streams: SseStream[] = [];
  const events: ReturnType<typeof lifecycle> = [];
  // Each stream ends with a worker; a reload of two replaces two. More means streams that end for nothing.
  while (streams.length < 6) {
    const last = events.at(-1)?.seq;
    const stream = await openStream(t, `${base}/api/cluster/events`, last ? { 'last-event-id': String(last) } : {});
    streams.push(stream);
    const finished = await stream
      .waitFor('the events awaited', () => done([...events, ...lifecycle(stream)]))
      .then(
        () => true,
        () => false,
      );
    events.push(...lifecycle(stream));
    if (finished) return { events, streams };
  }
  throw new Error(`${streams.length} streams ended before the events awaited: ${JSON.stringify(events)}`);
}

describe('the live timeline over HTTP', needsDemo, () => {
  it('sends the recent history first, then live events: a kill, its exit, the backoff, the new worker', async (t) => {
    const { base } = await cluster(t);
    const stream = await openStream(t, `${base}/api/cluster/events`);
    assert.equal(stream.status, 200);
    assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
    const streamer = await hello(stream);
    await stream.waitFor('the boot, as history', isEvent('cluster-ready'));
    await stream.waitFor('a status frame', (f) => f.event === 'status');
    assert.deepEqual(kinds(lifecycle(stream)).sort(), ['cluster-ready', 'forked', 'forked', 'ready', 'ready']);
    const statusAt = stream.frames.findIndex((f) => f.event === 'status');
    assert.ok(
      stream.frames.slice(statusAt).every((f) => f.event !== 'lifecycle'),
      'the history comes before the first status frame',
    );

    const status = (await request(`${base}/api/cluster`)).json() as { workers: { id: number }[] };
    const other = status.workers.map((w) => w.id).find((id) => id !== streamer.worker);
    const kill = await post(`${base}/api/cluster/kill`, { worker: other });
    assert.equal(kill.status, 202, kill.body);
    assert.equal((kill.json() as { worker: number }).worker, other);

    const killed = await stream.waitFor('the kill', isEvent('kill-requested', { worker: other }));
    const newcomer = await stream.waitFor(
      'a new worker in its slot',
      (f) => isEvent('ready')(f) && (f.data as { seq: number }).seq > (killed.data as { seq: number }).seq,
    );
    const after = lifecycle(stream).filter(
      (e) => e.seq >= (killed.data as { seq: number }).seq && e.seq <= (newcomer.data as { seq: number }).seq,
    );
    assert.deepEqual(kinds(after), ['kill-requested', 'exited', 'restart-scheduled', 'forked', 'ready']);
    assert.deepEqual(after[1]?.details?.signal, 'SIGKILL');
    assert.equal(after[1]?.details?.expected, false, 'to the supervisor, a kill is a crash');
    assert.match(String((after[2] as { why?: string }).why), /^restart in \d+ ms/);
  });

  it("a killed worker's stream ends, and a new one picks up after the last event it had", async (t) => {
    const { dyno, base } = await cluster(t);
    const first = await openStream(t, `${base}/api/cluster/events`);
    const streamer = await hello(first);
    await first.waitFor('the history', isEvent('cluster-ready'));
    assert.equal((await post(`${base}/api/cluster/kill`, { worker: streamer.worker })).status, 202);
    await first.ended;
    // As a browser waits the stream's `retry` first: Node's cluster would hand a connection made
    // before the primary has seen the worker die to the dead worker, and it would hang.
    await dyno.waitFor('the primary saw it die', byMsg('worker exited', { workerPid: streamer.pid }));
    const lastId = first.frames.filter((f) => f.id).at(-1)?.id;
    assert.ok(lastId, 'the first stream had events with ids');

    const second = await openStream(t, `${base}/api/cluster/events`, { 'last-event-id': lastId });
    const next = await hello(second);
    assert.notEqual(next.pid, streamer.pid, 'another worker streams now');
    await second.waitFor('the replacement ready', isEvent('ready'));
    const seqs = lifecycle(second).map((e) => e.seq);
    assert.ok(
      seqs.every((seq) => seq > Number(lastId)),
      `only what the first stream missed: ${seqs} after ${lastId}`,
    );
  });

  it('a rolling reload: each stream ends with its draining worker, and the page sees every step', async (t) => {
    const { base } = await cluster(t);
    const watching = follow(t, base, (events) => events.some((e) => e.kind === 'reload-finished'));
    const first = await openStreamBeforeReload(t, base);
    assert.equal((await post(`${base}/api/cluster/reload`)).status, 202);
    const bye = await first.waitFor('the stream of a worker replaced', (f) => f.event === 'bye');
    assert.match((bye.data as { reason: string }).reason, /draining/);
    await first.ended;

    const { events } = await watching;
    const reload = events.filter((e) => e.kind.startsWith('reload-'));
    assert.deepEqual(kinds(reload), ['reload-started', 'reload-step', 'reload-step', 'reload-finished']);
    assert.deepEqual(
      reload.filter((e) => e.kind === 'reload-step').map((e) => e.details?.step),
      [1, 2],
    );
    const seqs = events.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      [...new Set(seqs)].sort((a, b) => a - b),
      'no event twice, none out of order',
    );
  });

  it('tells which worker, among those serving, a kill or a leak may name', async (t) => {
    const { base } = await cluster(t);
    const reply = await post(`${base}/api/cluster/kill`, { worker: 99 });
    assert.equal(reply.status, 422);
    assert.match(
      (reply.json() as { message: string }).message,
      /"worker" must be the id of a serving worker \(\d+, \d+\)/,
    );
  });

  it('with one process there is no cluster to act on: 409, and the stream still shows it', async (t) => {
    const dyno = startDyno(t, { WEB_CONCURRENCY: '1' });
    const { port } = await dyno.waitFor('listening', byMsg('listening'));
    const base = `http://127.0.0.1:${port}`;
    for (const action of ['kill', 'reload', 'leak']) {
      const reply = await post(`${base}/api/cluster/${action}`);
      assert.equal(reply.status, 409, action);
      assert.match((reply.json() as { message: string }).message, /WEB_CONCURRENCY=2/);
    }
    const stream = await openStream(t, `${base}/api/cluster/events`);
    assert.equal((await hello(stream)).worker, null);
    await stream.waitFor('its own start', isEvent('ready'));
    const status = await stream.waitFor('a status frame', (f) => f.event === 'status');
    assert.equal((status.data as { mode: string }).mode, 'single');
  });

  it('costs nothing once the last page closes: the primary stops its status frames', async (t) => {
    const { dyno, base } = await cluster(t, { LOG_LEVEL: 'debug' });
    const streams = await Promise.all([1, 2, 3].map(() => openStream(t, `${base}/api/cluster/events`)));
    await Promise.all(streams.map((s) => s.waitFor('a status frame', (f) => f.event === 'status')));
    assert.equal(dyno.logs.filter(byMsg('nobody watches the timeline: status frames stopped')).length, 0);
    for (const stream of streams) stream.close();
    await dyno.waitFor('the feed stopped', byMsg('nobody watches the timeline: status frames stopped'));
  });
});

describe('the buttons in production', needsDemo, () => {
  it('are not mounted at all, whatever else is set: 404, and the page has none', async (t) => {
    const { base } = await cluster(t, { NODE_ENV: 'production', DEMO_SURFACE: 'on' });
    for (const action of ['kill', 'reload', 'leak', 'burn']) {
      assert.equal((await post(`${base}/api/cluster/${action}`)).status, 404, action);
    }
    const page = await request(base);
    assert.match(page.body, /id="timeline"/, 'the timeline follows the demo surface');
    assert.doesNotMatch(page.body, /id="controls"|data-action=/);
    const stream = await openStream(t, `${base}/api/cluster/events`);
    assert.equal(stream.status, 200);
    await stream.waitFor('the history', isEvent('cluster-ready'));
  });

  it('the stream itself follows the demo surface: off, it answers 404', async (t) => {
    const { base } = await cluster(t, { DEMO_SURFACE: 'off' });
    assert.equal((await request(`${base}/api/cluster/events`)).status, 404);
    assert.equal((await post(`${base}/api/cluster/kill`)).status, 404);
  });
});

/** A stream opened, and its history read, before the reload is asked for. */
async function openStreamBeforeReload(t: TestContext, base: string) {
  const stream = await openStream(t, `${base}/api/cluster/events`);
  await stream.waitFor('the history', isEvent('cluster-ready'));
  return stream;
}
