// Replacing workers without refusing a request: the new worker is forked and ready before its
// predecessor drains, and if it never comes up, the old one keeps serving. A rolling reload
// (SIGHUP, or the page's button) goes slot by slot; a worker over its memory budget is
// replaced the same way, alone, before the platform's memory quota errors begin. One rolling
// change at a time.
import { now } from '../clock.ts';
import type { Logger } from '../log/log.ts';
import { about, ids, type Member, type Phase } from './member.ts';
import { type Say, seconds, since } from './say.ts';

const MB = 1024 * 1024;

export interface ReloadOptions {
  readonly memoryBudgetBytes: number;
  readonly say: Say;
  readonly log: Logger;
  readonly phase: () => Phase;
  /** The workers taking connections: ready, and not asked to go. */
  readonly serving: () => Member[];
  /** Forks a worker to take the place of the one in `slot`. */
  readonly fork: (slot: number, why: string) => Member;
  readonly retire: (m: Member, why: string) => void;
}

export interface Reloads {
  reload(reason: string): Promise<void>;
  /** `m` reported its memory: over budget, it is replaced. */
  checkMemory(m: Member): void;
  /** Rolling reloads started since boot. */
  readonly count: number;
}

export function createReloads(options: ReloadOptions): Reloads {
  const { say, phase } = options;
  let rolling = false;
  let count = 0;

  /** Forks the new worker, waits until it is ready, then drains the old one. */
  async function replace(old: Member, why: string): Promise<boolean> {
    const fresh = options.fork(
      old.slot,
      `slot ${old.slot}: takes worker ${old.worker.id}'s place (${why}); the old one serves until this one is ready`,
    );
    if (!(await fresh.ready.promise)) {
      const cause = fresh.failure ?? 'exited';
      say(
        'error',
        'replacement failed before it was ready: the old worker keeps serving',
        { old: old.worker.id, new: fresh.worker.id, cause },
        'replacement-failed',
        `worker ${fresh.worker.id} died before it was ready (${cause}): worker ${old.worker.id} keeps serving`,
        about(old),
      );
      return false;
    }
    if (phase() === 'stopping') return false;
    options.retire(old, why);
    await old.gone.promise;
    return true;
  }

  async function reload(reason: string): Promise<void> {
    if (phase() !== 'running' || rolling) {
      const because = rolling ? 'a replacement is in progress' : phase();
      say(
        'warn',
        'reload ignored',
        { because },
        'reload-ignored',
        `${reason}, but ${because}: one rolling change at a time`,
      );
      return;
    }
    rolling = true;
    count += 1;
    const started = now();
    const olds = options.serving();
    say(
      'info',
      'rolling reload started',
      { workers: olds.length },
      'reload-started',
      `${reason}: ${olds.length} workers are replaced one at a time, each new one ready before its old one drains`,
      { details: { workers: olds.length } },
    );
    try {
      for (const [index, old] of olds.entries()) {
        if (phase() === 'stopping') return;
        // Died since the reload began: its slot gets a restart of its own.
        if (old.state !== 'ready') continue;
        say(
          'info',
          'reload step',
          { step: index + 1, of: olds.length, replacing: old.worker.id },
          'reload-step',
          `step ${index + 1} of ${olds.length}: replacing worker ${old.worker.id}`,
          { ...about(old), details: { step: index + 1, of: olds.length } },
        );
        if (!(await replace(old, `rolling reload, step ${index + 1} of ${olds.length}`))) {
          say(
            'error',
            'rolling reload stopped: the remaining old workers keep serving',
            { step: index + 1 },
            'reload-stopped',
            `step ${index + 1} failed: the remaining old workers keep serving, so a bad deploy never takes the dyno down`,
          );
          return;
        }
      }
      say(
        'info',
        'rolling reload finished',
        { workers: olds.length, ms: since(started) },
        'reload-finished',
        `all ${olds.length} workers replaced in ${seconds(since(started))}, with no request refused`,
        { details: { ms: since(started) } },
      );
    } finally {
      rolling = false;
    }
  }

  function checkMemory(m: Member): void {
    const rss = m.rss ?? 0;
    if (rss <= options.memoryBudgetBytes) return;
    if (m.state !== 'ready' || m.retiring || phase() !== 'running' || rolling) return;
    const rssMb = Math.round(rss / MB);
    const budgetMb = Math.round(options.memoryBudgetBytes / MB);
    say(
      'warn',
      'worker over its memory budget: replacing it',
      { ...ids(m), rssMb, budgetMb },
      'over-budget',
      `${rssMb} MB of memory passed its ${budgetMb} MB budget (WEB_MEMORY): replaced the rolling way, before the platform's memory quota errors begin`,
      { ...about(m), details: { rssMb, budgetMb } },
    );
    rolling = true;
    void replace(m, 'its memory budget').finally(() => {
      rolling = false;
    });
  }

  return {
    reload,
    checkMemory,
    get count() {
      return count;
    },
  };
}
