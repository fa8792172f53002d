// How long a shutdown may drain: a pure function of the platform and two numbers from the
// environment, so every platform's row can be fed through it in a unit test.
import type { Platform } from './platforms.ts';

/** Where the platform's grace is unknown (local, Koyeb): Heroku's deadline, the most common grace of 30 s less a sixth. */
const DEFAULT_DEADLINE_S = 25;

export interface ShutdownDeadline {
  readonly ms: number;
  readonly source: 'SHUTDOWN_TIMEOUT' | 'platform' | 'default';
  /** One sentence: which deadline, and why. */
  readonly reason: string;
  /** Said once at boot: the platform gives too little to drain, or SHUTDOWN_TIMEOUT outlives it. */
  readonly warning?: string;
}

/**
 * What the deadline leaves unused of the platform's grace: a sixth, at least one second. After
 * the deadline the primary still kills what is left, logs it and exits, and the platform's
 * clock started when it sent the signal, not when we got it. A sixth leaves Heroku's 30 s a
 * 25 s drain, and Fly's 5 s a 4 s one.
 */
export function marginSeconds(graceSeconds: number): number {
  return Math.max(1, Math.ceil(graceSeconds / 6));
}

export interface DeadlineInputs {
  /** SHUTDOWN_TIMEOUT, when the user set it: it always wins. */
  readonly shutdownTimeoutS: number | undefined;
  /** The platform's grace variable (Railway's draining seconds), when set. */
  readonly graceVariableS: number | undefined;
}

export function planDeadline(platform: Platform, inputs: DeadlineInputs): ShutdownDeadline {
  const { grace, name, signal } = platform;
  const graceS = inputs.graceVariableS ?? grace.defaultSeconds;
  const graceLabel =
    inputs.graceVariableS !== undefined && grace.variable
      ? `${grace.variable}=${inputs.graceVariableS}`
      : `its default ${graceS} s`;
  const tooShort = `${name} gives ${graceS} s from ${signal} to SIGKILL (${graceLabel}): too little to drain, in-flight requests will be cut. Raise it: ${grace.setting}`;

  if (inputs.shutdownTimeoutS !== undefined) {
    const s = inputs.shutdownTimeoutS;
    // Only a grace nobody can change, or one read from its variable, is known to be too short.
    const known = graceS !== null && (grace.fixed || inputs.graceVariableS !== undefined);
    return {
      ms: s * 1000,
      source: 'SHUTDOWN_TIMEOUT',
      reason: `SHUTDOWN_TIMEOUT=${s}`,
      ...(known && s >= graceS
        ? {
            warning: `SHUTDOWN_TIMEOUT=${s} is not below ${name}'s ${graceS} s before SIGKILL: a drain that long is killed first. Raise it: ${grace.setting}`,
          }
        : {}),
    };
  }
  if (graceS === null) {
    return {
      ms: DEFAULT_DEADLINE_S * 1000,
      source: 'default',
      reason: `the kit's default: ${name}'s time before SIGKILL is unknown (set SHUTDOWN_TIMEOUT below it)`,
    };
  }
  const deadlineS = graceS - marginSeconds(graceS);
  // A grace raised where the app cannot see it (Railway's railway.json) may be anything: the
  // kit keeps its own deadline. Against a grace of 0 no deadline saves a request; against a
  // raised one (the kit's railway.json gives 30 s), 25 s drains them all.
  if (deadlineS < 1 && grace.alsoSetUnseenIn && inputs.graceVariableS === undefined) {
    return {
      ms: DEFAULT_DEADLINE_S * 1000,
      source: 'default',
      reason: `the kit's default: ${name}'s grace may be raised in ${grace.alsoSetUnseenIn}, which the app cannot see`,
      warning: `${tooShort}; if it is raised in ${grace.alsoSetUnseenIn}, set ${grace.variable} to the same, so the kit sees it`,
    };
  }
  if (deadlineS < 1) return { ms: 1000, source: 'platform', reason: `1 s, the least: ${tooShort}`, warning: tooShort };
  return {
    ms: deadlineS * 1000,
    source: 'platform',
    reason: `${marginSeconds(graceS)} s below ${name}'s ${graceS} s from ${signal} to SIGKILL (${graceLabel})`,
  };
}
