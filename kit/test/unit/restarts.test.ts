import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byMsg, fakeCluster, type Line } from '../helpers/fake-cluster.ts';

const backoff = { initialMs: 2, maxMs: 16 };

/** Each delay lies in its attempt's step: the step doubles from initialMs up to maxMs, never less than half of it. */
function assertBackoff(restarts: readonly Line[]): void {
  for (const line of restarts) {
    const step = Math.min(backoff.maxMs, backoff.initialMs * 2 ** ((line.attempt as number) - 1));
    const delayMs = line.delayMs as number;
    assert.ok(
      delayMs >= step / 2 && delayMs <= step,
      `attempt ${line.attempt}: ${delayMs} ms outside ${step / 2}-${step}`,
    );
  }
}

describe('restarts', () => {
  it('replaces a worker that dies after it was ready in its own slot, and counts the restart against that slot', async (t) => {
    const c = fakeCluster(t, { backoff });
    await c.waitFor(byMsg('cluster ready'));
    c.worker(1).exit(1);
    const exited = await c.waitFor(byMsg('worker exited', { worker: 1 }));
    assert.equal(exited.level, 'warn');
    assert.equal(exited.code, 1);
    assert.equal(exited.expected, false);
    const restart = await c.waitFor(byMsg('restarting worker'));
    assert.deepEqual([restart.after, restart.slot, restart.attempt], [1, 1, 1]);
    assertBackoff([restart]);
    await c.waitFor(byMsg('worker ready', { worker: 3 }));
    const status = (await c.worker(2).ask('status')) as {
      restarts: number;
      workers: { id: number; slot: number; restarts: number }[];
    };
    assert.equal(status.restarts, 1);
    assert.deepEqual(
      status.workers.map((w) => [w.id, w.slot, w.restarts]),
      [
        [3, 1, 1],
        [2, 2, 0],
      ],
    );
  });

  it('ends the dyno with exit 1 and the cause when workers keep dying before they are ready', async (t) => {
    const c = fakeCluster(t, { backoff, script: (w) => w.fail('DATABASE_URL is not set') });
    assert.equal(await c.supervisor.exited, 1);
    const loop = c.lines.find(byMsg('crash loop: workers keep dying before they are ready; stopping the dyno'));
    assert.equal(loop?.level, 'error');
    assert.equal(loop?.failures, 5);
    assert.equal(loop?.cause, 'DATABASE_URL is not set');
    const restarts = c.lines.filter(byMsg('restarting worker'));
    assert.deepEqual(
      restarts.map((l) => l.attempt),
      [1, 2, 3, 4],
    );
    assertBackoff(restarts);
    assert.ok(c.lines.some(byMsg('shutting down', { reason: 'crash loop (DATABASE_URL is not set)' })));
    assert.ok(c.lines.some(byMsg('shutdown complete', { exitCode: 1 })));
  });

  it('names a crash loop after the exit when the workers say nothing', async (t) => {
    const c = fakeCluster(t, { backoff, crashLoopLimit: 2, script: (w) => w.exit(7) });
    assert.equal(await c.supervisor.exited, 1);
    const loop = c.lines.find(byMsg('crash loop: workers keep dying before they are ready; stopping the dyno'));
    assert.equal(loop?.failures, 2);
    assert.equal(loop?.cause, 'exit code 7');
  });

  it('starts the count of failed starts over once a worker comes up', async (t) => {
    // Three failed starts would be a crash loop, were the ready one between them not counted.
    const failing = new Set([1, 3, 4]);
    const c = fakeCluster(t, {
      backoff,
      crashLoopLimit: 3,
      script: (w, n) => (failing.has(n) ? w.fail('flaky') : w.ready()),
    });
    await c.waitFor(byMsg('worker ready', { worker: 5 }));
    assert.equal(c.lines.filter((l) => l.msg.startsWith('crash loop')).length, 0);
    assert.deepEqual(
      c.lines.filter(byMsg('restarting worker')).map((l) => [l.after, l.slot]),
      [
        [1, 1],
        [3, 1],
        [4, 1],
      ],
    );
  });

  it('doubles the delay with each restart in a row, up to its cap', async (t) => {
    // One worker at a time, each dying just after it is ready: never up long enough to count as stable.
    const c = fakeCluster(t, {
      workers: 1,
      backoff,
      script: (w, n) => {
        w.ready();
        if (n <= 5) setImmediate(() => w.exit(1));
      },
    });
    await c.waitFor(byMsg('worker ready', { worker: 6 }));
    const restarts = c.lines.filter(byMsg('restarting worker'));
    assert.deepEqual(
      restarts.map((l) => l.attempt),
      [1, 2, 3, 4, 5],
    );
    assertBackoff(restarts);
    assert.ok(
      (restarts.at(-1)?.delayMs as number) <= backoff.maxMs,
      'the fifth step, 32 ms uncapped, waits maxMs at most',
    );
  });

  it('starts the backoff over after a worker that stayed up stableAfterMs', async (t) => {
    const c = fakeCluster(t, {
      workers: 1,
      backoff,
      stableAfterMs: 0,
      script: (w, n) => {
        w.ready();
        if (n <= 3) setImmediate(() => w.exit(1));
      },
    });
    await c.waitFor(byMsg('worker ready', { worker: 4 }));
    const restarts = c.lines.filter(byMsg('restarting worker'));
    assert.deepEqual(
      restarts.map((l) => l.attempt),
      [1, 1, 1],
    );
    assertBackoff(restarts);
  });
});
