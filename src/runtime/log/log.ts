// Structured logging: pino in the processes that serve, a few lines of our own in the primary.
// Lines are made in this thread (no transport worker) and leave whole through one sink per
// process (stdout-lines.ts), so the workers sharing the dyno's stdout never split each other's.
import { createRequire } from 'node:module';
import type { DestinationStream, default as Pino } from 'pino';
import type { LogFormat, LogLevel } from '../config.ts';
import { type LineSink, stdoutLines } from './stdout-lines.ts';

type pino = typeof Pino;
// Required when a serving process makes its logger, never at import: the primary does not
// load pino (with the CommonJS loader it brings, about 2 MB of the primary's private memory).
const loadPino = () => createRequire(import.meta.url)('pino') as pino;

export type Fields = Readonly<Record<string, unknown>>;

/** What the line of a finished request holds. */
export type RequestFields = {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  /** The client went away before the response was finished; left out of the line otherwise. */
  readonly aborted?: true | undefined;
};

/** Message first, fields after: the shape every call site in the kit uses. */
export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** `msg: "request"` with these fields: the same line as `info('request', fields)`, made faster. */
  request(level: 'debug' | 'info', fields: RequestFields): void;
  child(fields: Fields): Logger;
}

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  /** Fields on every line, such as the process name and pid. */
  readonly base: Fields;
  /** Where each line goes, at once; stdout by default, where request lines are made in batches. */
  readonly write?: (line: string) => void;
}

// Should headers ever be logged (`{ headers }`, or a request or response under `req` or `res`),
// these never reach the log. Serializers, not pino's redact option: they run only for those
// keys, where redact would inspect every line.
const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'];

function redactHeaders(headers: unknown): unknown {
  if (typeof headers !== 'object' || headers === null) return headers;
  const copy: Record<string, unknown> = { ...headers };
  for (const name of Object.keys(copy)) if (SECRET_HEADERS.includes(name.toLowerCase())) copy[name] = '[redacted]';
  return copy;
}

const withHeaders =
  (serialize: Pino.SerializerFn): Pino.SerializerFn =>
  (value) => {
    const serialized: unknown = serialize(value);
    return serialized && typeof serialized === 'object' && 'headers' in serialized
      ? { ...serialized, headers: redactHeaders(serialized.headers) }
      : serialized;
  };

const serializers = (pino: pino) => ({
  err: pino.stdSerializers.err,
  headers: redactHeaders,
  req: withHeaders(pino.stdSerializers.req),
  res: withHeaders(pino.stdSerializers.res),
});

/**
 * A line's own keys: level, time, msg, the process's (instance, proc, pid: the readable format
 * shows them as the process, even where a platform names no instance), and its logger's child
 * fields. A field of the same name is written with a trailing underscore (`pid_`): pino would
 * write the key twice, and a log reader keep either, so a line could claim another level, time
 * or process.
 */
const LINE_KEYS = ['level', 'time', 'msg', 'instance', 'proc', 'pid'];

const ownKeys = (own: Iterable<string>, fields: Fields): ReadonlySet<string> =>
  new Set([...own, ...Object.keys(fields)]);

function apart(fields: Fields, own: ReadonlySet<string>): Fields {
  for (const key in fields) {
    if (!own.has(key)) continue;
    const renamed: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) renamed[own.has(name) ? free(name, fields, own) : name] = value;
    return renamed;
  }
  return fields;
}

/** `pid_`, or `pid__` where the fields hold a `pid_` of their own too: no value is lost. */
function free(name: string, fields: Fields, own: ReadonlySet<string>): string {
  let renamed = `${name}_`;
  while (renamed in fields || own.has(renamed)) renamed += '_';
  return renamed;
}

/**
 * The request line, which every request writes, as pino would make it from the same fields,
 * at a fifth of its cost: pino's general path inspects every key and value, and this line's
 * keys are known. `base` is the logger's base fields as JSON members (`"proc":"app",...`);
 * `now` is when the request ended, which may be a moment before the line is made.
 */
function requestLine(level: string, base: string, fields: RequestFields, now: number): string {
  const { requestId, method, path, status, ms, aborted } = fields;
  return `{"level":"${level}"${isoTime(now)}${base},"requestId":${jsonString(requestId)},"method":${jsonString(method)},"path":${jsonString(path)},"status":${status},"ms":${ms}${aborted ? ',"aborted":true' : ''},"msg":"request"}\n`;
}

// What JSON.stringify escapes in a string is among these: quotes, backslashes, control
// characters (\p{Cc}, a few more than it escapes) and lone surrogates (\p{Cs}). Request ids,
// methods and paths almost never hold one, and a test is cheaper than the call.
const NEEDS_ESCAPE = /["\\\p{Cc}\p{Cs}]/u;
const jsonString = (value: string): string => (NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`);

/** The request lines of one logger: how to make them, and where they go. */
interface FastLines {
  /** Takes a request line to make: on stdout with the others of its batch, elsewhere at once. */
  readonly write: (level: 'debug' | 'info', fields: RequestFields) => void;
  /** The kit never changes a logger's level after it is made: asked once, not on every request. */
  readonly enabled: Readonly<Record<'debug' | 'info', boolean>>;
}

function messageFirst(logger: Pino.Logger, own: ReadonlySet<string>, fastLines?: FastLines): Logger {
  // A level's calls cost nothing where it is off: the kit never changes a logger's level.
  const at = (level: 'debug' | 'info' | 'warn' | 'error') =>
    logger.isLevelEnabled(level)
      ? (msg: string, fields?: Fields): void => {
          if (fields) logger[level](apart(fields, own), msg);
          else logger[level](msg);
        }
      : () => {};
  const lines = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return {
    ...lines,
    request(level, fields) {
      if (!fastLines) lines[level]('request', fields);
      else if (fastLines.enabled[level]) fastLines.write(level, fields);
    },
    // A child's bindings are pino's to write: its request lines take pino's path.
    child: (fields) => {
      const bindings = apart(fields, own);
      return messageFirst(logger.child(bindings), ownKeys(own, bindings));
    },
  };
}

const prettyValue = (value: unknown): string => {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value);
};

/**
 * A JSON line as a terminal line: `12:00:00.000 INFO  [worker 1 42] msg key=value`. Ours, not
 * pino-pretty: LOG_FORMAT=pretty is allowed in production, where dev tools are not installed,
 * and these few lines give the same look everywhere, with no dependency.
 */
function prettyLine(json: string): string {
  const { time, level, instance, proc, pid, msg, err, ...fields } = JSON.parse(json) as Record<string, unknown>;
  const rest = Object.entries(fields).map(([key, value]) => `${key}=${prettyValue(value)}`);
  const stack = (err as { stack?: string } | undefined)?.stack;
  if (err !== undefined) rest.push(`err=${stack ?? prettyValue(err)}`);
  const clock = String(time).slice(11, 23);
  const who = [instance, proc ?? 'app', pid].filter((part) => part !== undefined).join(' ');
  return `${clock} ${String(level).toUpperCase().padEnd(5)} [${who}] ${msg}${rest.length ? ` ${rest.join(' ')}` : ''}\n`;
}

// pino's own isoTime makes a Date and its string for every line. Here lines share one string
// per millisecond, and a millisecond's string is its second's (V8 formats an ISO date with
// printf: about 2 µs) with the milliseconds put in.
let stampedAt = Number.NaN;
let stamp = '';
let secondAt = Number.NaN;
let second = '';
function isoTime(now = Date.now()): string {
  if (now !== stampedAt) {
    stampedAt = now;
    const ms = now % 1000;
    if (now - ms !== secondAt) {
      secondAt = now - ms;
      // "2026-11-27T14:37:08." of "2026-11-27T14:37:08.000Z"
      second = new Date(secondAt).toISOString().slice(0, 20);
    }
    stamp = `,"time":"${second}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
  }
  return stamp;
}

/** A request line waiting to be made: its fields, and when the request ended. */
interface WaitingLine {
  readonly level: 'debug' | 'info';
  readonly fields: RequestFields;
  readonly now: number;
}

/** A sink for a plain write function, such as a test's: every line is made and written at once. */
const immediately = (write: (line: string) => void): LineSink => ({
  write,
  writeLater: (make, value) => write(make(value)),
});

/** pino, for the processes that serve: fast per line, with request loggers and redaction. */
export function createLogger(options: LoggerOptions): Logger {
  const pino = loadPino();
  const sink = options.write ? immediately(options.write) : stdoutLines();
  const dress = options.format === 'pretty' ? prettyLine : (line: string) => line;
  const destination: DestinationStream = { write: (line: string) => sink.write(dress(line)) };
  const logger = pino(
    {
      level: options.level,
      base: options.base,
      timestamp: isoTime,
      // "info", not pino's 30: the lines stay readable and the tests and docs keep their shape.
      formatters: { level: (label) => ({ level: label }) },
      serializers: serializers(pino),
    },
    destination,
  );
  const members = JSON.stringify(options.base).slice(1, -1);
  const base = members && `,${members}`;
  const make = ({ level, fields, now }: WaitingLine) => dress(requestLine(level, base, fields, now));
  return messageFirst(logger, ownKeys(LINE_KEYS, options.base), {
    write: (level, fields) => sink.writeLater(make, { level, fields, now: Date.now() }),
    enabled: { debug: logger.isLevelEnabled('debug'), info: logger.isLevelEnabled('info') },
  });
}

type Level = Exclude<LogLevel, 'silent'>;
const RANK: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50, silent: Infinity };

const serializeError = (value: unknown) =>
  value instanceof Error
    ? { type: value.name, message: value.message, stack: value.stack, code: (value as NodeJS.ErrnoException).code }
    : value;

/**
 * The supervisor's logger: the same lines as pino's (level, time, base fields, fields, msg),
 * for the few dozen lines a primary writes in its life, a line's own keys kept as pino's are.
 */
export function createLineLogger(options: LoggerOptions): Logger {
  const threshold = RANK[options.level];
  const write = options.write ?? stdoutLines().write;
  const own = ownKeys(LINE_KEYS, options.base);
  const emit = (level: Level, msg: string, fields: Fields = {}) => {
    if (RANK[level] < threshold) return;
    const record: Record<string, unknown> = { level, time: new Date().toISOString(), ...options.base };
    for (const [key, value] of Object.entries(apart(fields, own))) record[key] = serializeError(value);
    record.msg = msg;
    const json = `${JSON.stringify(record)}\n`;
    write(options.format === 'pretty' ? prettyLine(json) : json);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    request: (level, fields) => emit(level, 'request', fields),
    child: (fields) => createLineLogger({ ...options, base: { ...options.base, ...apart(fields, own) } }),
  };
}

/**
 * The logger each process starts with: `proc` names the process on every line. Add a field
 * to `base` to have it on every line of every process.
 */
export function processLogger(
  config: { logLevel: LogLevel; logFormat: LogFormat; instance: string | null },
  proc: string,
): Logger {
  // The instance first: a scaled app's instances (Heroku's dynos, Fly's Machines) share one log stream.
  const base = { ...(config.instance === null ? {} : { instance: config.instance }), proc, pid: process.pid };
  const options = { level: config.logLevel, format: config.logFormat, base };
  return proc === 'primary' ? createLineLogger(options) : createLogger(options);
}
