// What the supervisor did, as the live page's timeline shows it, and what the page may ask it to do.

export type ControlAction = { readonly action: 'kill'; readonly worker: number } | { readonly action: 'reload' };

export type ClusterEventKind =
  | 'forked'
  | 'ready'
  | 'cluster-ready'
  | 'exited'
  | 'not-ready-in-time'
  | 'restart-scheduled'
  | 'crash-loop'
  | 'reload-started'
  | 'reload-step'
  | 'reload-finished'
  | 'reload-stopped'
  | 'reload-ignored'
  | 'over-budget'
  | 'replacement-failed'
  | 'kill-requested'
  | 'told'
  | 'shutdown-started'
  | 'deadline-passed'
  | 'drained';

/** One thing the supervisor did, as the live page's timeline shows it. */
export interface ClusterEvent {
  /** Counts up from 1 in each primary: a reconnecting page asks for what came after its last. */
  readonly seq: number;
  /** Milliseconds since the epoch. */
  readonly at: number;
  readonly kind: ClusterEventKind;
  /** The worker it is about, when it is about one. */
  readonly worker?: number;
  readonly pid?: number;
  readonly slot?: number;
  /** One sentence: why the supervisor did this. */
  readonly why: string;
  /** The docs section that explains it, as a path from the repository's root. */
  readonly doc: string;
  /** The numbers behind `why`, for whoever wants them (delay, code, signal, boot time...). */
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}
