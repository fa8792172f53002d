// What the app owns (a database pool, a cache client, a queue), opened before the process
// listens and closed after its last request, in reverse order, within the one shutdown
// deadline. The shapes follow terminus and lightship (a shutdown handler per resource, checks
// that turn readiness to 503), kept in-process and on the app's own port. Every platform file
// routes traffic by /readyz, so only a resource the app cannot serve without may turn it 503:
// an optional one is waited for briefly, then opened in the background while the app serves.
import { setTimeout as sleep } from 'node:timers/promises';
import { now } from './clock.ts';
import { type Backoff, restartDelay } from './cluster/backoff.ts';
import type { Logger } from './log/log.ts';

export interface Resource<T> {
  /** Named in every log line about it, in a failed boot's cause and in /readyz: never a secret. */
  readonly name: string;
  /**
   * Whether the app serves without it. Left out (required): an open that fails fails the boot
   * with its name, and a failing check turns /readyz 503. `true`: an open that fails, or is
   * still pending after `openTimeoutMs`, lets the process serve without it and goes on in the
   * background, with backoff, until it opens; meanwhile, and while its check fails, /readyz
   * stays 200 and lists it under `degraded`, and `handle.available` is false.
   */
  readonly optional?: boolean;
  /**
   * How long the boot waits for this open, never past the boot's own bound: 5 s for an
   * optional resource unless set, the boot's whole bound for a required one.
   */
  readonly openTimeoutMs?: number;
  /**
   * `signal` aborts when the process stops while this open is pending: destroy the half-open
   * client and reject, so that nothing leaks or holds the process open.
   */
  open(signal: AbortSignal): T | Promise<T>;
  close(value: T): void | Promise<void>;
  /** Throws (or rejects) while the resource cannot serve: /readyz then names it. */
  check?(value: T): void | Promise<void>;
}

/** What `register` returns: the opened value, and whether it is usable now. */
export interface ResourceHandle<T> {
  readonly name: string;
  /** Open, and its last check passed (/readyz runs them): a route's test for an optional resource. */
  readonly available: boolean;
  /** Throws ResourceUnavailable, which the error handler answers with 503, while it is not open. */
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

/** A handle read while its resource is not open: the client should try again, not report a bug. */
class ResourceUnavailable extends Error {
  readonly status = 503;
  readonly expose = true;
  readonly resource: string;
  constructor(resource: string) {
    super(`resource "${resource}" is not open: try again shortly`);
    this.name = 'ResourceUnavailable';
    this.resource = resource;
  }
}

/** Names only, for /readyz: a cause may hold a host or a user. */
export interface Readiness {
  /** Required resources that are not open or whose check fails: /readyz answers 503. */
  readonly failing: string[];
  /** Optional ones in the same state: /readyz stays 200 and lists them. */
  readonly degraded: string[];
}

export interface ResourceLifecycle extends Resources {
  /**
   * Opens every resource in the order registered; rejects with ResourceOpenError on the first
   * required one that fails. Resolves once each optional one has opened or has had its time.
   */
  openAll(timeoutMs: number): Promise<void>;
  /**
   * Aborts the opens still pending, then closes what is open, last opened first, each given an
   * equal share of the time left before `deadline` (a `now()` instant), so one that
   * hangs cannot stop the others. Never rejects; resolves true only if every close finished without error.
   */
  closeAll(deadline: number): Promise<boolean>;
  /** Which resources fail now (a check over `timeoutMs` counts as failing). */
  readiness(timeoutMs: number): Promise<Readiness>;
  readonly size: number;
}

export interface ResourceTiming {
  /** An open pending this long gets one line saying what the boot waits for, and how much longer. */
  readonly noticeAfterMs: number;
  /** How long the boot waits for an optional resource that sets no `openTimeoutMs`. */
  readonly optionalOpenMs: number;
  /** Between background attempts to open an optional resource. */
  readonly retry: Backoff;
}

export const RESOURCE_TIMING: ResourceTiming = {
  noticeAfterMs: 3_000,
  optionalOpenMs: 5_000,
  retry: { initialMs: 500, maxMs: 10_000 },
};

const NAME = /^[\w.:-]{1,64}$/;
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

interface Entry {
  readonly resource: Resource<unknown>;
  readonly optional: boolean;
  opened: boolean;
  value: unknown;
  /** The open under way: waited on again rather than a second client started beside it. */
  pending?: Promise<unknown>;
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

/** What a process of each type goes on doing without an optional resource, in its lines. */
const WITHOUT = {
  web: { doing: 'serving', does: 'serves' },
  worker: { doing: 'running jobs', does: 'runs jobs' },
} as const;

export function createResources(
  log: Logger,
  timing: ResourceTiming = RESOURCE_TIMING,
  processType: 'web' | 'worker' = 'web',
): ResourceLifecycle {
  const { doing, does } = WITHOUT[processType];
  const entries: Entry[] = [];
  let state: 'registering' | 'opening' | 'open' | 'closing' = 'registering';
  let opening: Promise<void> | undefined;
  const stopping = new AbortController();

  /** Starts an open. Its value is the entry's the moment it arrives, so closeAll closes even a late one. */
  function attempt(entry: Entry): Promise<unknown> {
    const run = Promise.resolve().then(() => {
      stopping.signal.throwIfAborted();
      return entry.resource.open(stopping.signal);
    });
    entry.pending = run;
    // Reactions run in the order they were added: this one runs before any `await run` resumes.
    run.then(
      (value) => {
        entry.pending = undefined;
        entry.value = value;
        entry.opened = true;
      },
      () => {
        entry.pending = undefined;
      },
    );
    return run;
  }

  async function openAtBoot(entry: Entry, bootDeadline: number): Promise<void> {
    const { name, openTimeoutMs } = entry.resource;
    const started = now();
    const ownMs = openTimeoutMs ?? (entry.optional ? timing.optionalOpenMs : Number.POSITIVE_INFINITY);
    const waitMs = Math.min(bootDeadline - started, ownMs);
    const run = attempt(entry);
    const notice =
      waitMs > timing.noticeAfterMs
        ? setTimeout(() => {
            log.info('waiting for a resource to open', {
              resource: name,
              waitedMs: timing.noticeAfterMs,
              waitsUpToMs: Math.round(waitMs),
              ifStillPending: entry.optional ? `${does} without it` : 'fails the boot',
            });
          }, timing.noticeAfterMs)
        : undefined;
    try {
      await within(run, waitMs, `opening resource "${name}"`);
      log.info('resource open', { resource: name, ms: Math.round(now() - started) });
    } catch (err) {
      // A signal during boot: nothing more opens, and that is no failure to report.
      if (stopping.signal.aborted) return;
      if (!entry.optional) throw new ResourceOpenError(name, err);
      log.warn(`optional resource did not open: ${doing} without it, retrying in the background`, {
        resource: name,
        cause: messageOf(err),
      });
      void keepOpening(entry, started);
    } finally {
      clearTimeout(notice);
    }
  }

  /** Until it opens or the process stops: a pending open is awaited, a new one starts only after a failure. */
  async function keepOpening(entry: Entry, since: number): Promise<void> {
    const { name } = entry.resource;
    for (let failures = 0; ; failures += 1) {
      if (entry.pending === undefined) {
        try {
          await sleep(restartDelay(failures, timing.retry), undefined, { signal: stopping.signal });
        } catch {
          return;
        }
      }
      try {
        await (entry.pending ?? attempt(entry));
      } catch (err) {
        // Each failure at debug only: an outage of minutes must not fill the log.
        if (!stopping.signal.aborted)
          log.debug('optional resource still unavailable', { resource: name, cause: messageOf(err) });
        continue;
      }
      if (!stopping.signal.aborted) {
        log.info(`optional resource open: no longer ${doing} without it`, {
          resource: name,
          ms: Math.round(now() - since),
        });
      }
      return;
    }
  }

  async function openAll(timeoutMs: number): Promise<void> {
    const deadline = now() + timeoutMs;
    for (const entry of entries) {
      // A signal during boot: what is open closes, nothing more opens.
      if (state === 'closing') return;
      await openAtBoot(entry, deadline);
    }
    if (state === 'opening') state = 'open';
  }

  async function check(entry: Entry, timeoutMs: number): Promise<boolean> {
    const { name, check } = entry.resource;
    if (!entry.opened) return false;
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
      if (entry.healthy) {
        const msg = entry.optional
          ? 'optional resource check failed: serving without it, /readyz stays 200'
          : 'resource check failed: /readyz answers 503';
        log.warn(msg, { resource: name, cause: messageOf(err) });
      }
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
      const entry: Entry = {
        resource: resource as Resource<unknown>,
        optional: resource.optional === true,
        opened: false,
        value: undefined,
        healthy: true,
      };
      entries.push(entry);
      return {
        name: resource.name,
        get available() {
          return entry.opened && entry.healthy;
        },
        get value(): T {
          if (!entry.opened) throw new ResourceUnavailable(resource.name);
          return entry.value as T;
        },
      };
    },

    openAll(timeoutMs) {
      if (state === 'registering') {
        state = 'opening';
        opening = openAll(timeoutMs);
      }
      return opening ?? Promise.resolve();
    },

    async closeAll(deadline) {
      state = 'closing';
      stopping.abort(new Error('the process is stopping'));
      // Opens still under way settle first (aborted, or not): what they open must be closed too.
      const unsettled = [opening, ...entries.map((e) => e.pending)].filter((p) => p !== undefined);
      if (unsettled.length > 0) {
        await within(Promise.allSettled(unsettled), deadline - now(), 'opening').catch(() => {});
      }
      const open = entries.filter((e) => e.opened).reverse();
      let clean = true;
      for (const [index, entry] of open.entries()) {
        const { name } = entry.resource;
        const share = (deadline - now()) / (open.length - index);
        const started = now();
        try {
          await within(
            Promise.resolve().then(() => entry.resource.close(entry.value)),
            share,
            `closing resource "${name}"`,
          );
          log.info('resource closed', { resource: name, ms: Math.round(now() - started) });
        } catch (err) {
          clean = false;
          log.error('resource did not close cleanly', { resource: name, cause: messageOf(err) });
        }
        entry.opened = false;
      }
      return clean;
    },

    async readiness(timeoutMs) {
      const results = await Promise.all(
        entries.map((entry) => {
          entry.checking ??= check(entry, timeoutMs).finally(() => {
            entry.checking = undefined;
          });
          return entry.checking;
        }),
      );
      const down = entries.filter((_, i) => !results[i]);
      return {
        failing: down.filter((e) => !e.optional).map((e) => e.resource.name),
        degraded: down.filter((e) => e.optional).map((e) => e.resource.name),
      };
    },

    get size() {
      return entries.length;
    },
  };
}
