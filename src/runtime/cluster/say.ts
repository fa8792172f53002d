// What the supervisor did, said once: the log line and the live page's timeline event come
// from the same call, so neither can be forgotten when the other changes. They keep their own
// words, for different readers: a short, stable msg for whoever searches the logs, a sentence
// for whoever watches the page. Tests and docs match on both.
import { now } from '../clock.ts';
import type { Fields, Logger } from '../log/log.ts';
import type { ClusterEventKind } from './events.ts';
import type { EventFields, Journal } from './journal.ts';

export type Say = (
  level: 'debug' | 'info' | 'warn' | 'error',
  msg: string,
  fields: Fields,
  kind: ClusterEventKind,
  why: string,
  event?: EventFields,
) => void;

export const sayer =
  (log: Logger, journal: Journal): Say =>
  (level, msg, fields, kind, why, event) => {
    log[level](msg, fields);
    journal.record(kind, why, event);
  };

/** Milliseconds since `start` (a now()), whole. */
export const since = (start: number) => Math.round(now() - start);
/** "2.5 s", for the why-lines. */
export const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;
