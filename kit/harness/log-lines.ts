// The kit's JSON log lines, as a process under test writes them to stdout: what the tests and
// the bench know a server by.
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface LogLine {
  readonly msg: string;
  readonly proc: string;
  readonly pid: number;
  readonly worker?: number;
  /** On the primary's lines about a worker: that worker's pid. */
  readonly workerPid?: number;
  readonly port?: number;
  readonly ms?: number;
  readonly [field: string]: unknown;
}

export interface LogLineHandlers {
  readonly line: (line: LogLine) => void;
  /** A line that is not JSON: a config error, a crash before the logger existed. */
  readonly other?: (text: string) => void;
  /**
   * Whether a line with this message is worth parsing; without it, every line is. A server
   * logs every request, and a reader whose CPU is measured parses only what someone needs.
   */
  readonly parses?: (msg: string) => boolean;
}

// The logger writes `msg` before any field, so the first match is the line's own message.
const MSG = /"msg":"((?:[^"\\]|\\.)*)"/;

/** Reads `input` to its end; `read` counts every line so far, parsed or not. */
export function readLogLines(input: Readable, on: LogLineHandlers): { readonly read: number } {
  const counter = { read: 0 };
  createInterface({ input }).on('line', (text) => {
    counter.read += 1;
    if (on.parses) {
      const msg = MSG.exec(text)?.[1];
      if (msg === undefined || !on.parses(msg)) return;
    }
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      on.other?.(text);
      return;
    }
    on.line(line);
  });
  return counter;
}
