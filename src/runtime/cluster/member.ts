// A worker as the supervisor sees it: the process, and what the supervisor knows of it.
import { now } from '../clock.ts';
import type { Logger } from '../log/log.ts';
import type { EventFields } from './journal.ts';
import type { MetricsJson, PrimaryMessage } from './messages.ts';

/** What the supervisor uses of node:cluster's Worker, and no more, so a test can hand it a fake. */
export interface WorkerLike {
  readonly id: number;
  readonly process: { readonly pid?: number | undefined; kill(signal: NodeJS.Signals): boolean };
  isConnected(): boolean;
  send(message: PrimaryMessage, sendHandle: undefined, callback: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number | null, signal: string | null) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Only moves forward: starting -> ready -> draining -> exited (it may exit from any state). */
export type WorkerState = 'starting' | 'ready' | 'draining' | 'exited';

/** The supervisor's own: forking the first workers, serving, then stopping for good. */
export type Phase = 'booting' | 'running' | 'stopping';

export interface Member {
  readonly worker: WorkerLike;
  /** The seat it holds: a replacement takes its predecessor's, so restarts add up per seat. */
  readonly slot: number;
  readonly forkedAt: number;
  state: WorkerState;
  readyAt?: number;
  /** The primary asked it to go: its exit is expected. */
  retiring: boolean;
  /** Forked to take an old worker's place: if it never comes up, the old one stays. */
  readonly replacement: boolean;
  /** Why it could not start, as the worker said. */
  failure?: string;
  /** The signal that started its drain, when one reached it before the primary's word. */
  signalled?: string;
  rss?: number;
  cpuPercent?: number;
  requests: number;
  /** Its streams are open: it gets the events and the status to pass on. */
  watching: boolean;
  /** Why the primary asked it to go, for the timeline. */
  retiredFor?: string;
  /** Killed from the page: to the supervisor still a crash, but the timeline says who asked. */
  killRequested?: boolean;
  /** Scrapes waiting for this worker's metrics, by scrape id. */
  readonly collections: Map<number, (metrics: MetricsJson | null) => void>;
  readonly ready: PromiseWithResolvers<boolean>;
  readonly gone: PromiseWithResolvers<void>;
}

/** A worker just forked into `slot`: starting, and known only by its process. */
export function newMember(worker: WorkerLike, slot: number, replacement: boolean): Member {
  return {
    worker,
    slot,
    replacement,
    requests: 0,
    watching: false,
    collections: new Map(),
    forkedAt: now(),
    state: 'starting',
    retiring: false,
    ready: Promise.withResolvers<boolean>(),
    gone: Promise.withResolvers<void>(),
  };
}

// workerPid, not pid: a line's own pid is the process that wrote it, here the primary.
export const ids = (m: Member) => ({ worker: m.worker.id, workerPid: m.worker.process.pid });
// The timeline's event names the worker's pid as pid: the page reads it there.
export const about = (m: Member): EventFields => ({ worker: m.worker.id, pid: m.worker.process.pid, slot: m.slot });

export type Send = (m: Member, message: PrimaryMessage) => void;

export const sender =
  (log: Logger): Send =>
  (m, message) => {
    // A worker can die between isConnected() and the write: the write then fails with EPIPE.
    // Its 'exit' follows and says what happened; the error itself needs no more than a line.
    if (!m.worker.isConnected()) return;
    m.worker.send(message, undefined, (err) => {
      if (err) log.debug('message to a worker that is gone', { ...ids(m), type: message.type, err: err.message });
    });
  };
