// One line per write: workers share the dyno's stdout, and a single write(2) of a line
// under PIPE_BUF never interleaves with another process's line.
import type { LogFormat, LogLevel } from './config.ts';

export type Fields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Fields on every line, such as the process name and pid. */
  readonly base: Fields;
  readonly write?: (line: string) => void;
}

type Level = Exclude<LogLevel, 'silent'>;
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

function serialize(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const { code } = value as NodeJS.ErrnoException;
  return { type: value.name, message: value.message, ...(code ? { code } : {}), stack: value.stack };
}

function prettyValue(value: unknown): string {
  if (value instanceof Error) return value.stack ?? value.message;
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
}

function prettyLine(time: Date, level: Level, base: Fields, msg: string, fields: Fields): string {
  const who = [base.dyno, base.proc ?? 'app', base.pid].filter((part) => part !== undefined).join(' ');
  const rest = Object.entries(fields)
    .map(([key, value]) => `${key}=${prettyValue(value)}`)
    .join(' ');
  const clock = time.toISOString().slice(11, 23);
  return `${clock} ${level.toUpperCase().padEnd(5)} [${who}] ${msg}${rest ? ` ${rest}` : ''}\n`;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const threshold = RANK[options.level];

  const emit = (level: Level, msg: string, fields: Fields = {}) => {
    if (RANK[level] < threshold) return;
    const time = new Date();
    if (options.format === 'pretty') {
      write(prettyLine(time, level, options.base, msg, fields));
      return;
    }
    const record: Record<string, unknown> = { time: time.toISOString(), level, ...options.base, msg };
    for (const [key, value] of Object.entries(fields)) record[key] = serialize(value);
    write(`${JSON.stringify(record)}\n`);
  };

  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => createLogger({ ...options, base: { ...options.base, ...fields } }),
  };
}

// When the reader of stdout goes away (`npm start | grep x`, then Ctrl+C: the shell stops grep
// too), every later write fails with EPIPE. Those lines are lost either way; the drain that is
// logging them must go on rather than die on an unhandled 'error' event.
const ignoreClosedPipe = (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
};

/** The logger each process starts with: `proc` names the process on every line. */
export function processLogger(
  config: { logLevel: LogLevel; logFormat: LogFormat; dyno: string | undefined },
  proc: string,
): Logger {
  if (!process.stdout.listeners('error').includes(ignoreClosedPipe)) process.stdout.on('error', ignoreClosedPipe);
  // The dyno first: with `heroku ps:scale web=3`, three primaries share one log stream.
  const base = { ...(config.dyno === undefined ? {} : { dyno: config.dyno }), proc, pid: process.pid };
  return createLogger({ level: config.logLevel, format: config.logFormat, base });
}
