// Per-process metrics, and the cluster-wide sum. In a cluster the worker that receives a
// scrape gets every worker's series from the primary (which never loads prom-client, to
// stay small) and sums them with prom-client's aggregation: a scrape sees the dyno.
import type { Request, Response } from 'express';
import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { MetricsJson } from '../cluster/messages.ts';
import type { MetricsSnapshot } from '../cluster/status.ts';
import { requestDurations } from './request-durations.ts';

export interface ProcessMetrics {
  readonly registry: Registry;
  /** Counts one answered request: called once per request, when it ends. */
  observe(req: Request, res: Response, seconds: number): void;
  /** Requests this process has answered: the status page's per-worker count. */
  served(): number;
}

/**
 * A scaled app's instances are scraped through one router, each scrape reaching one of them:
 * the `instance_name` label keeps their series apart. Not `instance`: Prometheus sets that one
 * to the scrape target (the router's host for all of them) and renames ours `exported_instance`
 * unless honor_labels is on. Default labels cost nothing per request: prom-client adds them
 * when it renders.
 */
const labelled = (registry: Registry, instance: string | null) => {
  if (instance !== null) registry.setDefaultLabels({ instance_name: instance });
  return registry;
};

const labels = new WeakMap<object, { readonly baseUrl: string; readonly label: string }>();

/**
 * The route pattern, not the URL: /demo/cpu?ms=5 and ?ms=6 are one series. The same string
 * for every request of a route, made once: a string made anew would be hashed anew by every
 * lookup the histogram makes with it.
 */
function routeLabel(req: Request): string {
  const route = req.route as { path: string } | undefined;
  if (route === undefined) return 'unmatched';
  const known = labels.get(route);
  // A router mounted at two paths shares its routes: the mount point decides.
  if (known?.baseUrl === req.baseUrl) return known.label;
  const label = `${req.baseUrl}${route.path}`;
  labels.set(route, { baseUrl: req.baseUrl, label });
  return label;
}

/**
 * `defaults`: prom-client's process series (event loop lag, memory, GC, handles), which it marks
 * with how to aggregate each. They watch the process all the time (a GC observer, an event loop
 * timer), so a job runner, which nobody scrapes, goes without: they cost a trivial job 6% of
 * its CPU (npm run bench).
 */
export function createProcessMetrics(instance: string | null = null, { defaults = true } = {}): ProcessMetrics {
  const registry = labelled(new Registry(), instance);
  if (defaults) collectDefaultMetrics({ register: registry });
  // One series per request, no separate counter: the histogram's _count is the request count.
  const duration = requestDurations(
    registry,
    'http_request_duration_seconds',
    'Time from request to response end, by route and status',
  );
  let served = 0;

  return {
    registry,
    observe(req, res, seconds) {
      served += 1;
      duration.observe(req.method, routeLabel(req), res.statusCode, seconds);
    },
    served: () => served,
  };
}

/** The primary's facts as series of their own. */
async function clusterSeries(snapshot: MetricsSnapshot): Promise<MetricsJson> {
  const registry = new Registry();
  const gauge = (name: string, help: string, value: number) =>
    new Gauge({ name, help, registers: [registry] }).set(value);
  const counter = (name: string, help: string, value: number) =>
    new Counter({ name, help, registers: [registry] }).inc(value);
  counter('cluster_worker_restarts_total', 'Workers replaced after an unexpected exit', snapshot.restarts);
  counter('cluster_reloads_total', 'Rolling reloads started', snapshot.reloads);
  gauge('cluster_workers', 'Worker processes alive', snapshot.alive);
  gauge('cluster_primary_resident_memory_bytes', "The primary's resident memory", snapshot.primaryRssBytes);
  gauge(
    'cluster_scrape_missing_workers',
    'Workers that did not answer this scrape in time: their series are missing from the sums',
    snapshot.missing,
  );
  return (await registry.getMetricsAsJSON()) as MetricsJson;
}

/** Prometheus text for the whole cluster: every worker's series summed, plus the primary's. */
export async function renderClusterMetrics(snapshot: MetricsSnapshot, instance: string | null = null): Promise<string> {
  const all = [...snapshot.workers, await clusterSeries(snapshot)];
  return labelled(AggregatorRegistry.aggregate(all), instance).metrics();
}
