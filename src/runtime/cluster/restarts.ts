// A worker that dies unexpectedly gets a successor in its slot after a backoff (backoff.ts),
// which starts over once a worker has stayed up long enough to prove the deploy works. When
// workers keep dying before they are ever ready, the dyno gives up, so the platform sees a
// crashed dyno rather than a spinning one.
import { type Backoff, restartDelay } from './backoff.ts';
import { ordinal } from './journal.ts';
import { about, type Member } from './member.ts';
import { type Say, seconds } from './say.ts';

export interface RestartOptions {
  readonly backoff: Backoff;
  /** Consecutive workers that die before they are ready, after which the dyno gives up. */
  readonly crashLoopLimit: number;
  readonly stableAfterMs: number;
  readonly say: Say;
  /** Forks the slot's next worker. */
  readonly fork: (slot: number, why: string) => void;
  /** Stops the dyno, failing, for `cause`. */
  readonly giveUp: (cause: string) => void;
}

export interface Restarts {
  /** A worker came up, so the deploy can run: the crash loop counts failed starts from zero again. */
  ready(): void;
  /** `m` died unexpectedly (`how`: "exit code 1", "killed by SIGKILL") after `uptimeMs` up. */
  died(m: Member, how: string, uptimeMs: number): void;
  /** The dyno stops: no restart still waiting may fork. */
  cancel(): void;
  /** Unexpected deaths in `slot` since boot. */
  of(slot: number): number;
  total(): number;
}

export function createRestarts(options: RestartOptions): Restarts {
  const { backoff, say } = options;
  const perSlot = new Map<number, number>();
  const timers = new Set<NodeJS.Timeout>();
  let attempt = 0;
  let failedStarts = 0;

  function crashLoop(m: Member, how: string): boolean {
    failedStarts += 1;
    if (failedStarts < options.crashLoopLimit) return false;
    const cause = m.failure ?? how;
    say(
      'error',
      'crash loop: workers keep dying before they are ready; stopping the dyno',
      { failures: failedStarts, cause },
      'crash-loop',
      `${failedStarts} workers in a row died before they were ready (${cause}): the dyno stops, so the platform sees a crash, not a spin`,
      { details: { failures: failedStarts, cause } },
    );
    options.giveUp(cause);
    return true;
  }

  return {
    ready() {
      failedStarts = 0;
    },
    died(m, how, uptimeMs) {
      const everReady = m.readyAt !== undefined;
      if (!everReady && crashLoop(m, how)) return;
      const proven = everReady && uptimeMs >= options.stableAfterMs;
      if (proven) attempt = 0;
      const delayMs = restartDelay(attempt, backoff);
      attempt += 1;
      perSlot.set(m.slot, (perSlot.get(m.slot) ?? 0) + 1);
      say(
        'info',
        'restarting worker',
        { after: m.worker.id, slot: m.slot, delayMs, attempt },
        'restart-scheduled',
        `restart in ${delayMs} ms: ${
          attempt === 1
            ? `the first restart in a row waits ${backoff.initialMs / 2} to ${backoff.initialMs} ms${proven ? ` (it had stayed up ${seconds(options.stableAfterMs)}, so the delay starts over)` : ''}`
            : `the ${ordinal(attempt)} restart in a row doubles the delay, up to ${seconds(backoff.maxMs)}`
        }, with jitter so workers that died together do not come back in step`,
        { ...about(m), details: { delayMs, attempt } },
      );
      const timer = setTimeout(() => {
        timers.delete(timer);
        options.fork(m.slot, `slot ${m.slot}: replaces worker ${m.worker.id}, which died`);
      }, delayMs);
      timers.add(timer);
    },
    cancel() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
    of: (slot) => perSlot.get(slot) ?? 0,
    total: () => [...perSlot.values()].reduce((sum, n) => sum + n, 0),
  };
}
