// One status line on stderr: what runs now and roughly how long is left. Rewritten in place
// on a terminal; one line per step when stderr is a file or a pipe, so logs stay readable.

export interface Step {
  readonly label: string;
  /** Seconds this step is expected to take. */
  readonly estimateS: number;
}

function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class Progress {
  readonly #steps: readonly Step[];
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #started = performance.now();
  #index = -1;
  #stepStarted = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(steps: readonly Step[], stream: NodeJS.WriteStream = process.stderr) {
    this.#steps = steps;
    this.#stream = stream;
    this.#tty = stream.isTTY === true;
  }

  /** Seconds the whole run is expected to take. */
  get estimateS(): number {
    return this.#steps.reduce((sum, step) => sum + step.estimateS, 0);
  }

  begin(index: number): void {
    this.#index = index;
    this.#stepStarted = performance.now();
    if (this.#tty) {
      this.#timer ??= setInterval(() => this.#render(), 1000);
      this.#timer.unref();
    }
    this.#render();
  }

  end(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const took = clock((performance.now() - this.#started) / 1000);
    this.#stream.write(`${this.#tty ? '\r\x1b[2K' : ''}bench: done in ${took}\n`);
  }

  #render(): void {
    const step = this.#steps[this.#index];
    if (!step) return;
    const inStep = (performance.now() - this.#stepStarted) / 1000;
    const after = this.#steps.slice(this.#index + 1).reduce((sum, s) => sum + s.estimateS, 0);
    const left = after + Math.max(0, step.estimateS - inStep);
    const count = String(this.#steps.length);
    const line = `[${String(this.#index + 1).padStart(count.length)}/${count}] ${step.label} · ~${clock(left)} left`;
    this.#stream.write(this.#tty ? `\r\x1b[2K${line}` : `bench: ${line}\n`);
  }
}
