// What the app owns (a database pool, a cache client, a queue), opened before the process
// listens and closed after its last request, in reverse order, within the one shutdown
// deadline. The shapes follow terminus and lightship (a shutdown handler per resource, checks
// that turn readiness to 503), kept in-process and on the app's own port.
import type { Logger } from './log/log.ts';

export interface Resource<T> {
  /** Named in every log line about it, in a failed boot's cause and in /readyz: never a secret. */
  readonly name: string;
  open(): T | Promise<T>;
  close(value: T): void | Promise<void>;
  /** Throws (or rejects) while the resource cannot serve: /readyz then answers 503 naming it. */
  check?(value: T): void | Promise<void>;
}

/** What `register` returns: the opened value, readable once the process serves. */
export interface ResourceHandle<T> {
  readonly name: string;
  /** Throws before the resource is open: route code only runs after every resource is. */
  readonly value: T;
}

export interface Resources {
  register<T>(resource: Resource<T>): ResourceHandle<T>;
}

/** A resource that could not open: the worker's boot fails with this as its cause. */
export class ResourceOpenError extends Error {
  readonly resource: string;
  constructor(resource: string, cause: unknown) {
    super(`resource "${resource}" failed to open: ${messageOf(cause)}`, { cause });
    this.name = 'ResourceOpenError';
    this.resource = resource;
  }
}

export interface ResourceLifecycle extends Resources {
  /** Opens every resource in the order registered; rejects with ResourceOpenError on the first that fails. */
  openAll(timeoutMs: number): Promise<void>;
  /**
   * Closes what is open, last opened first, each given an equal share of the time left
   * before `deadline` (a `performance.now()` instant), so one that hangs cannot stop the
   * others. Never rejects; resolves true only if every close finished without error.
   */
  closeAll(deadline: number): Promise<boolean>;
  /** The names of the resources whose check fails now (or takes longer than `timeoutMs`). */
  failing(timeoutMs: number): Promise<string[]>;
  readonly size: number;
}

const NAME = /^[\w.:-]{1,64}$/;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

interface Entry {
  readonly resource: Resource<unknown>;
  opened: boolean;
  value: unknown;
  /** The check in progress: concurrent probes share it rather than pile up. */
  checking?: Promise<boolean>;
  /** Whether the last check passed: a change, not every probe, is worth a log line. */
  healthy: boolean;
}

/**
 * Rejects after `ms` unless `work` settles first. The timer holds the process open: a close
 * that hangs on a promise with nothing behind it must still be waited for, then reported.
 */
function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${Math.max(0, Math.round(ms))} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export function createResources(log: Logger): ResourceLifecycle {
  const entries: Entry[] = [];
  let state: 'registering' | 'opening' | 'open' | 'closing' = 'registering';
  let opening: Promise<void> | undefined;

  async function open(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (const entry of entries) {
      // A signal during boot: what is open closes, nothing more opens.
      if (state === 'closing') return;
      const { name } = entry.resource;
      const started = performance.now();
      try {
        entry.value = await within(
          Promise.resolve().then(() => entry.resource.open()),
          deadline - started,
          `opening resource "${name}"`,
        );
      } catch (err) {
        throw new ResourceOpenError(name, err);
      }
      entry.opened = true;
      log.info('resource open', { resource: name, ms: Math.round(performance.now() - started) });
    }
    if (state === 'opening') state = 'open';
  }

  async function check(entry: Entry, timeoutMs: number): Promise<boolean> {
    const { name, check } = entry.resource;
    if (!check) return true;
    try {
      await within(
        Promise.resolve().then(() => check(entry.value)),
        timeoutMs,
        `checking resource "${name}"`,
      );
      if (!entry.healthy) log.info('resource check passes again', { resource: name });
      entry.healthy = true;
    } catch (err) {
      if (entry.healthy)
        log.warn('resource check failed: /readyz answers 503', { resource: name, cause: messageOf(err) });
      entry.healthy = false;
    }
    return entry.healthy;
  }

  return {
    register<T>(resource: Resource<T>): ResourceHandle<T> {
      if (state !== 'registering') {
        throw new Error(`resource "${resource.name}" registered too late: register resources in createApp()`);
      }
      if (!NAME.test(resource.name)) {
        throw new Error(
          `resource name ${JSON.stringify(resource.name)} must be 1 to 64 letters, digits, '.', ':', '_' or '-'`,
        );
      }
      if (entries.some((e) => e.resource.name === resource.name)) {
        throw new Error(`resource "${resource.name}" is registered twice: names must be unique`);
      }
      const entry: Entry = { resource: resource as Resource<unknown>, opened: false, value: undefined, healthy: true };
      entries.push(entry);
      return {
        name: resource.name,
        get value(): T {
          if (!entry.opened) throw new Error(`resource "${resource.name}" is not open`);
          return entry.value as T;
        },
      };
    },

    openAll(timeoutMs) {
      if (state === 'registering') {
        state = 'opening';
        opening = open(timeoutMs);
      }
      return opening ?? Promise.resolve();
    },

    async closeAll(deadline) {
      const inProgress = opening;
      state = 'closing';
      // An open still under way finishes first (or fails): what it opens must be closed too.
      if (inProgress) await within(inProgress, deadline - performance.now(), 'opening').catch(() => {});
      const open = entries.filter((e) => e.opened).reverse();
      let clean = true;
      for (const [index, entry] of open.entries()) {
        const { name } = entry.resource;
        const share = (deadline - performance.now()) / (open.length - index);
        const started = performance.now();
        try {
          await within(
            Promise.resolve().then(() => entry.resource.close(entry.value)),
            share,
            `closing resource "${name}"`,
          );
          log.info('resource closed', { resource: name, ms: Math.round(performance.now() - started) });
        } catch (err) {
          clean = false;
          log.error('resource did not close cleanly', { resource: name, cause: messageOf(err) });
        }
        entry.opened = false;
      }
      return clean;
    },

    async failing(timeoutMs) {
      const results = await Promise.all(
        entries.map((entry) => {
          entry.checking ??= check(entry, timeoutMs).finally(() => {
            entry.checking = undefined;
          });
          return entry.checking;
        }),
      );
      return entries.filter((_, i) => !results[i]).map((e) => e.resource.name);
    },

    get size() {
      return entries.length;
    },
  };
}
