// A logger whose lines a test reads and waits for, as process.ts does for a real process's stdout.
import { createLogger, type Logger } from '../../../src/runtime/log/log.ts';

export interface Line {
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export function capturedLog() {
  const lines: Line[] = [];
  const waiters = new Set<{ match: (line: Line) => boolean; nth: number; resolve: (line: Line) => void }>();
  const log: Logger = createLogger({
    level: 'debug',
    format: 'json',
    base: {},
    write(text) {
      const line = JSON.parse(text) as Line;
      lines.push(line);
      for (const waiter of waiters) {
        if (!waiter.match(line) || lines.filter(waiter.match).length < waiter.nth) continue;
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    },
  });
  return {
    log,
    lines,
    /** Lines with this message (and these fields). */
    find: (msg: string, fields: Record<string, unknown> = {}) => lines.filter(matches(msg, fields)),
    /** The `nth` line (already written or still to come) with this message and these fields. */
    waitFor(msg: string, fields: Record<string, unknown> = {}, nth = 1): Promise<Line> {
      const match = matches(msg, fields);
      const seen = lines.filter(match)[nth - 1];
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.add({ match, nth, resolve }));
    },
  };
}

const matches = (msg: string, fields: Record<string, unknown>) => (line: Line) =>
  line.msg === msg && Object.entries(fields).every(([key, value]) => line[key] === value);
