// autocannon 9 ships no types and @types/autocannon is not a dependency: this declares only
// the part of its JS API the bench uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  /** What the response parser hands to the `headers` event. */
  export interface ResponseHead {
    readonly statusCode: number;
    readonly shouldKeepAlive: boolean;
    readonly headers: readonly string[];
  }

  /** One connection. Its `headers` event is public; everything else the bench touches is not. */
  export interface Client extends EventEmitter {
    on(event: 'headers', listener: (head: ResponseHead) => void): this;
  }

  export interface Options {
    readonly url: string;
    readonly connections?: number;
    /** Seconds. */
    readonly duration?: number;
    /** Requests in all: the run ends after this many, whatever the duration. */
    readonly amount?: number;
    /** Seconds before a request counts as a timeout. */
    readonly timeout?: number;
    readonly headers?: Readonly<Record<string, string>>;
    readonly setupClient?: (client: Client) => void;
  }

  export interface Stats {
    readonly average: number;
    readonly mean: number;
    readonly stddev: number;
    readonly min: number;
    readonly max: number;
    readonly total: number;
    readonly sent: number;
    readonly p50: number;
    readonly p99: number;
  }

  export interface Result {
    readonly requests: Stats;
    readonly latency: Stats;
    readonly throughput: Stats;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
    readonly mismatches: number;
    readonly resets: number;
    /** Seconds. */
    readonly duration: number;
  }

  export interface Instance extends EventEmitter, PromiseLike<Result> {
    on(
      event: 'response',
      listener: (client: Client, statusCode: number, bytes: number, responseTimeMs: number) => void,
    ): this;
    on(event: 'done', listener: (result: Result) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    stop(): void;
  }

  function autocannon(options: Options): Instance;
  export default autocannon;
}
