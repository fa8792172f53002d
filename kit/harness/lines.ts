// What a process writes, a line at a time, and waits for a line that matches. A test often asks
// for a line that is already in (the server booted while the test set up), so it keeps every
// line and a wait finds those too. A reader that keeps none (a server logging every request
// would fill the memory) sees only lines still to come, and waits before it causes the event.

interface Wait<T> {
  readonly what: string;
  readonly match: (line: T) => boolean;
  readonly resolve: (line: T) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout | undefined;
}

export interface LinesOptions {
  readonly keep: boolean;
  /** The error a wait fails with, from what went wrong: its owner adds what will explain it. */
  readonly failure: (problem: string) => Error;
}

export class Lines<T> {
  /** Every line so far, where they are kept. */
  readonly kept: T[] = [];
  readonly #keep: boolean;
  readonly #failure: (problem: string) => Error;
  readonly #waits = new Set<Wait<T>>();
  #end: string | undefined;

  constructor(options: LinesOptions) {
    this.#keep = options.keep;
    this.#failure = options.failure;
  }

  add(line: T): void {
    if (this.#keep) this.kept.push(line);
    for (const wait of this.#waits) {
      if (!wait.match(line)) continue;
      this.#forget(wait);
      wait.resolve(line);
    }
  }

  /** Resolves with the first line, kept or still to come, that matches; `what` names it in the error. */
  waitFor(what: string, match: (line: T) => boolean, timeoutMs?: number): Promise<T> {
    const seen = this.kept.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.#end !== undefined) return Promise.reject(this.#failure(`${this.#end} before "${what}"`));
    return new Promise((resolve, reject) => {
      const wait: Wait<T> = {
        what,
        match,
        resolve,
        reject,
        timer:
          timeoutMs === undefined
            ? undefined
            : setTimeout(() => {
                this.#waits.delete(wait);
                reject(this.#failure(`no "${what}" within ${timeoutMs} ms`));
              }, timeoutMs),
      };
      this.#waits.add(wait);
    });
  }

  /** Whether a wait named `what` is pending: for a reader that looks closer only at lines someone waits for. */
  awaits(what: string): boolean {
    for (const wait of this.#waits) if (wait.what === what) return true;
    return false;
  }

  /** No line will come after this, for the reason `how` gives ("exited (code 1, signal null)"). */
  end(how: string): void {
    this.#end = how;
    for (const wait of this.#waits) {
      this.#forget(wait);
      wait.reject(this.#failure(`${how} before "${wait.what}"`));
    }
  }

  #forget(wait: Wait<T>): void {
    clearTimeout(wait.timer);
    this.#waits.delete(wait);
  }
}
