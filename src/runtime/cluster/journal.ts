// The supervisor's recent lifecycle events, for the live page's timeline. A bounded ring: a
// page left open for a day costs what one left open for a minute. Recording an event is an
// array write and a call to each listener: the feed's passes it on only to pages that watch.
import type { ClusterEvent, ClusterEventKind } from './events.ts';

/** Events a fresh page is shown first: enough for a reload of a 32-worker dyno, and small. */
export const HISTORY_LENGTH = 100;

/** Where each kind of event is explained; kit/test/unit/journal.test.ts checks every anchor exists. */
export const EVENT_DOCS: Readonly<Record<ClusterEventKind, string>> = {
  forked: 'docs/clustering.md#ready-handshake',
  ready: 'docs/clustering.md#ready-handshake',
  'cluster-ready': 'docs/clustering.md#boot-how-many-workers',
  exited: 'docs/clustering.md#crashes-replaced-with-backoff',
  'not-ready-in-time': 'docs/clustering.md#ready-handshake',
  'restart-scheduled': 'docs/clustering.md#crashes-replaced-with-backoff',
  'crash-loop': 'docs/clustering.md#crash-loops-end-the-dyno',
  'reload-started': 'docs/clustering.md#rolling-reload-on-sighup',
  'reload-step': 'docs/clustering.md#rolling-reload-on-sighup',
  'reload-finished': 'docs/clustering.md#rolling-reload-on-sighup',
  'reload-stopped': 'docs/clustering.md#rolling-reload-on-sighup',
  'reload-ignored': 'docs/clustering.md#rolling-reload-on-sighup',
  'over-budget': 'docs/clustering.md#memory-budget',
  'replacement-failed': 'docs/clustering.md#rolling-reload-on-sighup',
  'kill-requested': 'docs/clustering.md#watch-the-supervisor-live',
  told: 'docs/clustering.md#watch-the-supervisor-live',
  'shutdown-started': 'docs/clustering.md#shutdown-without-losing-a-request',
  'deadline-passed': 'docs/clustering.md#shutdown-without-losing-a-request',
  drained: 'docs/clustering.md#shutdown-without-losing-a-request',
};

export type EventFields = Pick<ClusterEvent, 'worker' | 'pid' | 'slot' | 'details'>;

export interface Journal {
  record(kind: ClusterEventKind, why: string, fields?: EventFields): ClusterEvent;
  /** The events kept that came after `seq` (all of them for 0, or for a seq from another primary). */
  since(seq: number): ClusterEvent[];
  /** Called for every event from now on; returns `stop`. */
  subscribe(listener: (event: ClusterEvent) => void): () => void;
  readonly watchers: number;
}

export function createJournal(length = HISTORY_LENGTH, now = Date.now): Journal {
  const ring: ClusterEvent[] = [];
  const listeners = new Set<(event: ClusterEvent) => void>();
  let seq = 0;
  return {
    record(kind, why, fields = {}) {
      seq += 1;
      const event: ClusterEvent = { seq, at: now(), kind, ...fields, why, doc: EVENT_DOCS[kind] };
      ring.push(event);
      if (ring.length > length) ring.shift();
      for (const listener of listeners) listener(event);
      return event;
    },
    // A seq beyond ours was handed out by a primary that has since been replaced (a restarted
    // dyno): the page's history is of another life, so it gets all of this one's.
    since: (after) => ring.filter((event) => after > seq || event.seq > after),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get watchers() {
      return listeners.size;
    },
  };
}

/** "1st", "2nd", "3rd", "4th"... for the why-lines. */
export function ordinal(n: number): string {
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
