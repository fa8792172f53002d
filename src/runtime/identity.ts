/** Which process served a request: what a learner watches change as the load spreads. */
export interface ProcessIdentity {
  readonly pid: number;
  /** The cluster worker id, or null when the app serves from a single process. */
  readonly workerId: number | null;
  /** Heroku's name for the dyno (web.1), or null off Heroku: a scaled app has several. */
  readonly dyno: string | null;
}
