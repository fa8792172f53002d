// Our request histogram stands in for prom-client's Histogram: a scrape must not tell them apart.
// And its route label is the pattern a request matched, under the path it came through.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import express from 'express';
import { AggregatorRegistry, Histogram, type MetricObjectWithValues, type MetricValue, Registry } from 'prom-client';
import { createProcessMetrics } from '../../../src/runtime/metrics/metrics.ts';
import { requestDurations } from '../../../src/runtime/metrics/request-durations.ts';

const NAME = 'http_request_duration_seconds';
const HELP = 'Time from request to response end, by route and status';

// Every bucket edge, between edges, past the last bound, and a few series.
const OBSERVED: [string, string, number, number][] = [
  ['GET', '/api/info', 200, 0.0004],
  ['GET', '/api/info', 200, 0.005],
  ['GET', '/api/info', 200, 0.0051],
  ['GET', '/api/info', 304, 0.2],
  ['POST', '/api/echo', 413, 1],
  ['GET', 'unmatched', 404, 10],
  ['GET', 'unmatched', 404, 42],
  ['GET', '/api/info', 200, 2.5],
];

function both(dyno?: string) {
  const theirs = new Registry();
  const ours = new Registry();
  if (dyno) for (const registry of [theirs, ours]) registry.setDefaultLabels({ dyno });
  const histogram = new Histogram({
    name: NAME,
    help: HELP,
    labelNames: ['method', 'route', 'status'],
    registers: [theirs],
  });
  const durations = requestDurations(ours, NAME, HELP);
  for (const [method, route, status, seconds] of OBSERVED) {
    histogram.observe({ method, route, status: String(status) }, seconds);
    durations.observe(method, route, status, seconds);
  }
  return { theirs, ours };
}

// Prometheus reads a sample's labels as a set: their order on the line is not part of it.
const samples = (text: string) =>
  text.replace(/\{([^}]*)\}/g, (_, labels: string) => `{${labels.split(',').sort().join(',')}}`);

describe('request durations', () => {
  it("render as prom-client's Histogram renders the same observations", async () => {
    const { theirs, ours } = both('web.1');
    assert.equal(samples(await ours.metrics()), samples(await theirs.metrics()));
  });

  it("sum across workers as prom-client's do", async () => {
    const workers = [both(), both()];
    const sum = async (key: 'theirs' | 'ours') =>
      AggregatorRegistry.aggregate(
        (await Promise.all(workers.map((w) => w[key].getMetricsAsJSON()))) as MetricObjectWithValues<
          MetricValue<string>
        >[][],
      ).metrics();
    const summed = await sum('ours');
    assert.equal(samples(summed), samples(await sum('theirs')));
    assert.match(summed, /http_request_duration_seconds_count\{method="GET",route="\/api\/info",status="200"\} 8/);
  });
});

describe('the route label', () => {
  it('names the mount point a request came through, for a router mounted at two paths', async (t) => {
    const metrics = createProcessMetrics();
    const shared = express.Router().get('/item', (_req, res) => void res.end());
    const app = express();
    app.use((req, res, next) => {
      res.on('finish', () => metrics.observe(req, res, 0.001));
      next();
    });
    app.use('/a', shared);
    app.use('/b', shared);
    const server = app.listen(0);
    await once(server, 'listening');
    t.after(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const path of ['/a/item', '/b/item', '/a/item']) await (await fetch(`${url}${path}`)).text();
    const text = await metrics.registry.metrics();
    assert.match(text, /_count\{method="GET",route="\/a\/item",status="200"\} 2/);
    assert.match(text, /_count\{method="GET",route="\/b\/item",status="200"\} 1/);
  });
});
