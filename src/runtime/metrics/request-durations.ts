// The histogram every request adds to, counted in a few array slots. prom-client's Histogram
// makes a closure, two objects and a label hash on every observe(): about a microsecond a
// request in a loaded worker, the most of anything the kit adds. This is registered with
// prom-client like any metric, as an object with get() (its Registry reads any such object:
// lib/registry.js, getMetricsAsString), so prom-client still renders, labels and sums it.
import type { Metric, Registry } from 'prom-client';

/** prom-client's default buckets, in seconds. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

interface Series {
  readonly labels: { readonly method: string; readonly route: string; readonly status: string };
  /** Observations per bucket, not cumulative; the last slot is past the largest bound. */
  readonly counts: number[];
  sum: number;
  count: number;
}

export interface RequestDurations {
  observe(method: string, route: string, status: number, seconds: number): void;
}

const newMap = <K, V>() => new Map<K, V>();

function getOrMake<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

export function requestDurations(registry: Registry, name: string, help: string): RequestDurations {
  const series: Series[] = [];
  // By route, method and status: lookups with strings the callers keep (a route label, a
  // method) and a number, so no key is built for a request.
  const byRoute = new Map<string, Map<string, Map<number, Series>>>();
  // prom-client's JSON for a histogram, as Histogram.get() makes it: cumulative `_bucket`
  // values with `le`, then `+Inf`, `_sum` and `_count`, per series.
  const get = async () => ({
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    values: series.flatMap(({ labels, counts, sum, count }) => {
      let below = 0;
      return [
        ...BUCKETS.map((le, i) => {
          below += counts[i] ?? 0;
          return { labels: { le, ...labels }, value: below, metricName: `${name}_bucket` };
        }),
        { labels: { le: '+Inf', ...labels }, value: count, metricName: `${name}_bucket` },
        { labels: { ...labels }, value: sum, metricName: `${name}_sum` },
        { labels: { ...labels }, value: count, metricName: `${name}_count` },
      ];
    }),
  });
  registry.registerMetric({ name, help, get } as unknown as Metric);

  return {
    observe(method, route, status, seconds) {
      const byStatus = getOrMake(
        getOrMake(byRoute, route, newMap<string, Map<number, Series>>),
        method,
        newMap<number, Series>,
      );
      let entry = byStatus.get(status);
      if (entry === undefined) {
        const counts = new Array<number>(BUCKETS.length + 1).fill(0);
        entry = { labels: { method, route, status: String(status) }, counts, sum: 0, count: 0 };
        byStatus.set(status, entry);
        series.push(entry);
      }
      let bucket = 0;
      while (bucket < BUCKETS.length && seconds > (BUCKETS[bucket] as number)) bucket += 1;
      entry.counts[bucket] = (entry.counts[bucket] ?? 0) + 1;
      entry.sum += seconds;
      entry.count += 1;
    },
  };
}
