/** Which process served a request: what a learner watches change as the load spreads. */
export interface ProcessIdentity {
  readonly pid: number;
  /** The cluster worker id, or null when the app serves from a single process. */
  readonly workerId: number | null;
}
