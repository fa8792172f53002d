// The primary's side of the live timeline: each event, and the status once an interval, go
// only to the workers whose pages watch, which pass them on (watchers.ts). With nobody
// watching, nothing is sent and no status timer runs.
import type { Logger } from '../log/log.ts';
import type { Journal } from './journal.ts';
import type { Member, Send } from './member.ts';
import type { ClusterStatus } from './status.ts';

export interface FeedOptions {
  readonly journal: Journal;
  readonly members: ReadonlyMap<number, Member>;
  readonly send: Send;
  readonly status: () => ClusterStatus;
  readonly intervalMs: number;
  readonly log: Logger;
}

export interface Feed {
  /** `m`'s pages started (on) or stopped watching: the history and the status come first. */
  watch(m: Member, on: boolean): void;
  /** A watching worker is gone. */
  changed(): void;
}

export function createFeed(options: FeedOptions): Feed {
  const { members, send } = options;
  let timer: NodeJS.Timeout | undefined;
  const watching = () => [...members.values()].filter((m) => m.watching);

  options.journal.subscribe((event) => {
    for (const m of watching()) send(m, { type: 'events', events: [event] });
  });

  function changed(): void {
    const anyone = watching().length > 0;
    if (anyone && timer === undefined) {
      timer = setInterval(() => {
        const status = options.status();
        for (const m of watching()) send(m, { type: 'status', status });
      }, options.intervalMs).unref();
    } else if (!anyone && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
      options.log.debug('nobody watches the timeline: status frames stopped');
    }
  }

  return {
    watch(m, on) {
      if (on && !m.watching) send(m, { type: 'events', events: options.journal.since(0) });
      m.watching = on;
      changed();
      if (on) send(m, { type: 'status', status: options.status() });
    },
    changed,
  };
}
