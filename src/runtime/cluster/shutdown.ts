// Stopping the dyno: every worker drains at once, within one deadline below the platform's
// (Heroku sends SIGKILL 30 s after SIGTERM); what is left at the deadline is killed, and the
// exit code says so.
import { now } from '../clock.ts';
import type { Logger } from '../log/log.ts';
import type { Member } from './member.ts';
import { type Say, seconds, since } from './say.ts';

export interface ShutdownOptions {
  readonly timeoutMs: number;
  readonly say: Say;
  readonly log: Logger;
  readonly members: ReadonlyMap<number, Member>;
  /** Asks a worker to go: drained if it listens, stopped if not. */
  readonly retire: (m: Member, why: string) => void;
}

export interface Shutdown {
  /** Drains every worker; `code` is the least the dyno exits with. Call once. */
  begin(reason: string, code: number): void;
  /** A worker exited while the dyno stops. */
  gone(code: number | null): void;
  /** Kills every worker now, and exits 130. */
  force(): void;
  /** Resolves with the exit code once every worker is gone. */
  readonly exited: Promise<number>;
}

export function createShutdown(options: ShutdownOptions): Shutdown {
  const { members, say, timeoutMs } = options;
  const exited = Promise.withResolvers<number>();
  let exitCode = 0;
  let started = 0;
  let deadline: NodeJS.Timeout | undefined;

  function finish(): void {
    clearTimeout(deadline);
    say(
      'info',
      'shutdown complete',
      { ms: since(started), exitCode },
      'drained',
      `every worker is gone, ${since(started)} ms after the stop began: the primary exits ${exitCode}`,
    );
    exited.resolve(exitCode);
  }

  return {
    begin(reason, code) {
      exitCode = Math.max(exitCode, code);
      started = now();
      say(
        'info',
        'shutting down',
        { reason, workers: members.size, timeoutMs },
        'shutdown-started',
        `${reason}: every worker stops taking connections and finishes its requests, within ${seconds(timeoutMs)}`,
        { details: { reason, workers: members.size } },
      );
      if (members.size === 0) {
        finish();
        return;
      }
      for (const m of members.values()) if (!m.retiring) options.retire(m, reason);
      deadline = setTimeout(() => {
        say(
          'error',
          'shutdown deadline passed: killing the workers still draining',
          { workers: [...members.keys()], timeoutMs },
          'deadline-passed',
          `${members.size} workers still draining after ${seconds(timeoutMs)}: killed, and the exit code says so`,
        );
        exitCode = 1;
        for (const m of members.values()) m.worker.process.kill('SIGKILL');
      }, timeoutMs);
    },
    gone(code) {
      // The dyno's exit code is its worst worker's: 1 for cut-off requests, 130 for a forced stop.
      exitCode = Math.max(exitCode, code ?? 1);
      if (members.size === 0) finish();
    },
    force() {
      options.log.warn('forced stop: killing every worker', { workers: members.size });
      for (const m of members.values()) m.worker.process.kill('SIGKILL');
      exited.resolve(130);
    },
    exited: exited.promise,
  };
}
