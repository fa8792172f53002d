// The one place that listens for signals. `process.on` with our own guard rather than
// `once`: a second signal must still be caught, or Node's default action kills the
// process mid-drain (throng learned this the hard way).
import { isatty } from 'node:tty';
import { now } from './clock.ts';

/**
 * A SIGINT this soon after the first stop signal is the same Ctrl+C: npm and `node --watch`
 * pass the terminal's SIGINT on to a child that already had it from the terminal, a few
 * milliseconds apart (https://github.com/npm/cli/issues/5021). A person's second press comes
 * later; Playwright's runner waits a second for the same reason (microsoft/playwright#7916).
 */
const SAME_CTRL_C_MS = 1000;

/** What an entry logs (at debug) when forceable() is called. */
export const FORCEABLE = 'Ctrl+C again now stops at once';

export interface SignalHandlers {
  /**
   * The first SIGTERM, SIGINT or hang-up, and every later SIGTERM: Heroku may send it more than
   * once.
   */
  shutdown(signal: NodeJS.Signals): void;
  /** A SIGINT after SAME_CTRL_C_MS: someone at a terminal pressed Ctrl+C again and means it. */
  force(signal: NodeJS.Signals): void;
  /** SAME_CTRL_C_MS after the first stop signal, if the process still runs: a SIGINT now forces. */
  forceable?(): void;
  /**
   * SIGHUP, but for the terminal hanging up (that is a shutdown). Handled everywhere, since its
   * default action would kill the process.
   */
  reload(): void;
}

export function onSignals(handlers: SignalHandlers): () => void {
  let stoppedAt: number | undefined;
  let armed: NodeJS.Timeout | undefined;
  const onStop = (signal: NodeJS.Signals) => {
    if (stoppedAt === undefined) {
      stoppedAt = now();
      // Unref'd: a process that has finished draining exits without waiting for it.
      armed = setTimeout(() => handlers.forceable?.(), SAME_CTRL_C_MS).unref();
      handlers.shutdown(signal);
    } else if (signal !== 'SIGINT') handlers.shutdown(signal);
    else if (now() - stoppedAt >= SAME_CTRL_C_MS) handlers.force(signal);
  };
  // A terminal that closes (its window, a dropped ssh session) hangs up: the kernel sends SIGHUP
  // to the processes it ran, and the streams that were the terminal stop being one (the ioctl
  // that isatty makes fails with EIO, as writes do). That is the hang-up SIGHUP is named for: the
  // run stops as on Ctrl+C, where a reload would serve on, unseen, its port still taken. A SIGHUP
  // while they are still a terminal is `kill -HUP`.
  const terminal = [0, 1, 2].filter((fd) => isatty(fd));
  const onHup = () => {
    if (terminal.some((fd) => !isatty(fd))) onStop('SIGHUP');
    else handlers.reload();
  };
  process.on('SIGTERM', onStop);
  process.on('SIGINT', onStop);
  process.on('SIGHUP', onHup);
  return () => {
    clearTimeout(armed);
    process.off('SIGTERM', onStop);
    process.off('SIGINT', onStop);
    process.off('SIGHUP', onHup);
  };
}
