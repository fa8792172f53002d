// A serving process's side of the live timeline: the pages watching it share one feed from
// the primary (or, alone, from this process), which starts with the first page and stops
// with the last, so a process nobody watches receives and keeps nothing.

import type { ClusterEvent } from './events.ts';
import { HISTORY_LENGTH } from './journal.ts';
import type { ClusterStatus } from './status.ts';

/** What a page's stream carries: the supervisor's events, the status, and its end. */
export type WatchFrame =
  | { readonly kind: 'event'; readonly event: ClusterEvent }
  | { readonly kind: 'status'; readonly status: ClusterStatus }
  /** This process stops streaming (it drains): the watcher should reconnect elsewhere. */
  | { readonly kind: 'end'; readonly reason: string };

type Listener = (frame: WatchFrame) => void;

export interface Watchers {
  /** A page's stream: the events after `after` (all kept, for 0), the status, then live frames. */
  add(listener: Listener, after?: number): () => void;
  /** From the feed: the history first (when the feed starts), then each event. */
  events(events: readonly ClusterEvent[]): void;
  status(status: ClusterStatus): void;
  /** This process drains: every stream gets an `end` frame, and new ones get nothing else. */
  end(reason: string): void;
  readonly size: number;
}

/** `feed(true)` asks for the history and the live frames; `feed(false)` stops them. */
export function createWatchers(feed: (on: boolean) => void): Watchers {
  // The last seq each stream has seen: the history a new stream gets is cut after it.
  const listeners = new Map<Listener, number>();
  const recent: ClusterEvent[] = [];
  let lastStatus: ClusterStatus | undefined;
  let ended: string | undefined;

  const deliver = (listener: Listener, events: readonly ClusterEvent[]) => {
    const seen = listeners.get(listener) ?? 0;
    // A seq beyond the newest kept was handed out by a primary since replaced: all of this one's count.
    const after = seen > (recent.at(-1)?.seq ?? 0) ? 0 : seen;
    const fresh = events.filter((e) => e.seq > after);
    for (const event of fresh) listener({ kind: 'event', event });
    if (fresh.length > 0) listeners.set(listener, fresh.at(-1)?.seq ?? seen);
  };

  return {
    add(listener, after = 0) {
      if (ended !== undefined) {
        listener({ kind: 'end', reason: ended });
        return () => {};
      }
      listeners.set(listener, after);
      if (listeners.size === 1) feed(true);
      else {
        deliver(listener, recent);
        if (lastStatus) listener({ kind: 'status', status: lastStatus });
      }
      return () => {
        if (!listeners.delete(listener) || listeners.size > 0) return;
        feed(false);
        recent.length = 0;
        lastStatus = undefined;
      };
    },
    events(events) {
      if (listeners.size === 0) return;
      recent.push(...events);
      recent.splice(0, Math.max(0, recent.length - HISTORY_LENGTH));
      for (const listener of [...listeners.keys()]) deliver(listener, events);
    },
    status(status) {
      if (listeners.size === 0) return;
      lastStatus = status;
      for (const listener of [...listeners.keys()]) listener({ kind: 'status', status });
    },
    end(reason) {
      if (ended !== undefined) return;
      ended = reason;
      const all = [...listeners.keys()];
      listeners.clear();
      if (all.length > 0) feed(false);
      for (const listener of all) listener({ kind: 'end', reason });
    },
    get size() {
      return listeners.size;
    },
  };
}
