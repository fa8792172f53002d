/** Which process served a request: what a learner watches change as the load spreads. */
export interface ProcessIdentity {
  readonly pid: number;
  /** The cluster worker id, or null when the app serves from a single process. */
  readonly workerId: number | null;
  /** The platform's name for this instance (Heroku's web.1, a Fly Machine's id), or null: a scaled app has several. */
  readonly instance: string | null;
}

/** This process as /api/info shows it: what changes from one worker to the next. */
export function describeProcess(identity: ProcessIdentity) {
  const memory = process.memoryUsage();
  return {
    pid: identity.pid,
    workerId: identity.workerId,
    instance: identity.instance,
    uptimeSeconds: Math.round(process.uptime() * 10) / 10,
    node: process.version,
    memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal },
  };
}
