// The queue on /metrics, read from Redis at each scrape by the web process that answers it: how
// many jobs wait, run, are delayed or failed, and how long the latest completed ones ran. The
// runners serve no HTTP, so what they did is read where it is kept, in the queue.
import { Gauge, type Registry } from 'prom-client';
import type { Jobs } from './queue.ts';

const QUANTILES = [0.5, 0.9, 0.99];

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;

export function registerJobMetrics(registry: Registry, jobs: Jobs): void {
  // Every web worker reads the same queue: the summed scrape takes one worker's figure, not N.
  new Gauge({
    name: 'jobs_queue',
    help: 'Jobs in the queue by state, as Redis holds them at the scrape.',
    labelNames: ['state'],
    registers: [registry],
    aggregator: 'max',
    async collect() {
      try {
        const counts = await jobs.counts();
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      } catch {
        this.reset();
      }
    },
  });
  new Gauge({
    name: 'jobs_duration_seconds',
    help: 'How long the latest 100 completed jobs ran: quantiles at the scrape.',
    labelNames: ['quantile'],
    registers: [registry],
    aggregator: 'max',
    async collect() {
      try {
        const sorted = [...(await jobs.durations(100))].sort((a, b) => a - b);
        this.reset();
        if (sorted.length === 0) return;
        for (const q of QUANTILES) this.set({ quantile: String(q) }, quantile(sorted, q) / 1000);
      } catch {
        this.reset();
      }
    },
  });
}
