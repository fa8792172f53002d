// One run of a job as its handler sees it (JobRun, define.ts): made by the runner for every job.
// A class, not an object literal with getters: V8 builds such a literal in its runtime, with
// accessors of its own each time, and with one per job every young-generation GC of a busy
// runner took 5-10 ms instead of under 1 (docs/benchmarks.md, "What the figures have shown").
import type { Logger } from '../log/log.ts';
import type { ProcessContext } from '../types.ts';
import type { JobDefinition, JobRun } from './define.ts';

/** Why a run was cut short: past its timeoutMs, or the runner stopping (the job goes back to the queue). */
export interface Ending {
  readonly reason: Error;
  readonly stopped: boolean;
}

export class RunningJob<R> implements JobRun<R> {
  readonly id: string;
  readonly attempt: number;
  readonly resources: R;
  readonly ctx: ProcessContext;
  #ending: Ending | undefined;
  #log: Logger | undefined;
  #controller: AbortController | undefined;
  #giveUp: ((reason: Error) => void) | undefined;
  readonly #name: string;
  readonly #runnerLog: Logger;

  constructor(
    job: { readonly id?: string | undefined; readonly name: string; readonly attemptsMade: number },
    runnerLog: Logger,
    resources: R,
    ctx: ProcessContext,
  ) {
    this.id = String(job.id);
    this.attempt = job.attemptsMade + 1;
    this.resources = resources;
    this.ctx = ctx;
    this.#name = job.name;
    this.#runnerLog = runnerLog;
  }

  /** Made when a handler first logs: most never do. */
  get log(): Logger {
    this.#log ??= this.#runnerLog.child({ jobId: this.id, job: this.#name });
    return this.#log;
  }

  /** Made when a handler first reads it, already aborted if the run has been cut short. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#ending) this.#controller.abort(this.#ending.reason);
    }
    return this.#controller.signal;
  }

  /**
   * Runs the handler until it settles or the run is cut short (past its timeoutMs, or end()),
   * which rejects with the ending's reason. JavaScript cannot stop a function from outside: a
   * handler that ignores its signal runs on, unawaited.
   */
  async perform<P>(job: Pick<JobDefinition<P, R>, 'run' | 'timeoutMs'>, payload: P): Promise<unknown> {
    const gaveUp = new Promise<never>((_, reject) => {
      this.#giveUp = reject;
    });
    gaveUp.catch(() => {});
    const timer = setTimeout(
      () => this.end({ reason: new Error(`timed out after ${job.timeoutMs} ms (its timeoutMs)`), stopped: false }),
      job.timeoutMs,
    );
    try {
      return await Promise.race([job.run(payload, this), gaveUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  get ending(): Ending | undefined {
    return this.#ending;
  }

  /** Cuts the run short, once: the handler's signal aborts with the reason. False if it already was. */
  end(ending: Ending): boolean {
    if (this.#ending) return false;
    this.#ending = ending;
    this.#controller?.abort(ending.reason);
    this.#giveUp?.(ending.reason);
    return true;
  }
}
