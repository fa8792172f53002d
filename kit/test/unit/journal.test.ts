import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ClusterEvent } from '../../../src/runtime/cluster/events.ts';
import { createJournal, EVENT_DOCS, HISTORY_LENGTH, ordinal } from '../../../src/runtime/cluster/journal.ts';
import type { WatchFrame } from '../../../src/runtime/cluster/watchers.ts';
import { createWatchers } from '../../../src/runtime/cluster/watchers.ts';
import { ROOT } from '../helpers/process.ts';

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\w\s-]/g, '')
    .replace(/\s/g, '-');

describe('the journal of lifecycle events', () => {
  it('keeps the last HISTORY_LENGTH events: a page left open for a day costs what one left for a minute', () => {
    const journal = createJournal();
    for (let i = 0; i < HISTORY_LENGTH * 3; i += 1) journal.record('forked', `fork ${i}`);
    const kept = journal.since(0);
    assert.equal(kept.length, HISTORY_LENGTH);
    assert.equal(kept.at(-1)?.seq, HISTORY_LENGTH * 3);
    assert.equal(kept[0]?.seq, HISTORY_LENGTH * 2 + 1);
  });

  it('gives a reconnecting page only what came after its last event, or all of it for a seq from another primary', () => {
    const journal = createJournal();
    for (let i = 0; i < 5; i += 1) journal.record('ready', 'ready');
    assert.deepEqual(
      journal.since(3).map((e) => e.seq),
      [4, 5],
    );
    assert.deepEqual(journal.since(5), []);
    assert.equal(journal.since(42).length, 5, 'a seq this primary never handed out');
  });

  it('links every kind of event to a docs section that exists', async () => {
    for (const [kind, doc] of Object.entries(EVENT_DOCS)) {
      const [file, anchor] = doc.split('#');
      const text = await readFile(path.join(ROOT, file ?? ''), 'utf8');
      const anchors = [...text.matchAll(/^#+ (.+)$/gm)].map((m) => slug(m[1] ?? ''));
      assert.ok(anchors.includes(anchor ?? ''), `${kind}: ${doc} has no such heading (has ${anchors.join(', ')})`);
    }
  });

  it('says 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st', () => {
    assert.deepEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 111].map(ordinal), [
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '111th',
    ]);
  });
});

describe("a serving process's watchers", () => {
  const event = (seq: number): ClusterEvent => ({ seq, at: 0, kind: 'ready', why: 'ready', doc: EVENT_DOCS.ready });
  const collect = () => {
    const frames: WatchFrame[] = [];
    return {
      frames,
      listener: (frame: WatchFrame) => frames.push(frame),
      seqs: () => frames.flatMap((f) => (f.kind === 'event' ? [f.event.seq] : [])),
    };
  };

  it('asks for the feed with the first page and stops it with the last: nobody watching, nothing flows', () => {
    const feed: boolean[] = [];
    const watchers = createWatchers((on) => feed.push(on));
    const a = collect();
    const b = collect();
    const stopA = watchers.add(a.listener);
    const stopB = watchers.add(b.listener);
    assert.deepEqual(feed, [true]);
    stopA();
    assert.deepEqual(feed, [true]);
    stopB();
    assert.deepEqual(feed, [true, false]);
    watchers.events([event(1)]);
    assert.deepEqual([...a.seqs(), ...b.seqs()], [], 'nothing kept or passed on once nobody watches');
  });

  it('a second page gets the kept history after its Last-Event-ID, then the live events', () => {
    const watchers = createWatchers(() => {});
    const first = collect();
    watchers.add(first.listener);
    watchers.events([event(1), event(2), event(3)]);
    const second = collect();
    watchers.add(second.listener, 2);
    watchers.events([event(4)]);
    assert.deepEqual(first.seqs(), [1, 2, 3, 4]);
    assert.deepEqual(second.seqs(), [3, 4]);
  });

  it("a page whose Last-Event-ID came from a replaced primary gets this one's whole history", () => {
    const watchers = createWatchers(() => {});
    const stale = collect();
    watchers.add(stale.listener, 40);
    watchers.events([event(1), event(2)]);
    watchers.events([event(3)]);
    assert.deepEqual(stale.seqs(), [1, 2, 3]);
  });

  it('ends every stream when the process drains, and answers a late one with the end at once', () => {
    const feed: boolean[] = [];
    const watchers = createWatchers((on) => feed.push(on));
    const open = collect();
    watchers.add(open.listener);
    watchers.end('draining');
    const late = collect();
    watchers.add(late.listener);
    assert.deepEqual(open.frames.at(-1), { kind: 'end', reason: 'draining' });
    assert.deepEqual(late.frames, [{ kind: 'end', reason: 'draining' }]);
    assert.deepEqual(feed, [true, false]);
  });
});
