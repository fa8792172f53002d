// What the page's "leak" and "burn" buttons make a worker do, told through the primary
// (ctx.cluster.tell), so any worker can be the one: the page's request lands where it lands.
import type { ClusterView } from '../runtime/contract.ts';

export const LEAK_TOPIC = 'demo.leak';
export const BURN_TOPIC = 'demo.burn';
export const LEAK_STEP_MB = 16;
export const BURN_MS = 3_000;
/** Busy this long, then yield: the worker keeps answering requests and reporting its stats. */
const BURN_SLICE_MS = 40;
const MB = 1024 * 1024;

// Held on purpose: a leak is memory nothing frees. The process is replaced, and it goes with it.
const leaked: Buffer[] = [];

function leak(untilBytes: number): void {
  if (!Number.isFinite(untilBytes)) return;
  const timer = setInterval(() => {
    if (process.memoryUsage.rss() > untilBytes) {
      clearInterval(timer);
      return;
    }
    // Filled, not only allocated: untouched pages would not count in RSS.
    leaked.push(Buffer.alloc(LEAK_STEP_MB * MB, 1));
  }, 50);
}

function burn(ms: number): void {
  const until = performance.now() + ms;
  const slice = () => {
    const end = Math.min(until, performance.now() + BURN_SLICE_MS);
    while (performance.now() < end) {
      // spin: this is the CPU being burnt
    }
    if (end < until) setImmediate(slice);
  };
  slice();
}

/** Listens in this worker for what the page's buttons ask of it. */
export function obeyDemoButtons(view: ClusterView): void {
  view.listen(LEAK_TOPIC, (data) => leak(Number((data as { untilBytes?: unknown }).untilBytes)));
  view.listen(BURN_TOPIC, (data) => burn(Math.min(BURN_MS, Number((data as { ms?: unknown }).ms) || 0)));
}
