// What a route's code and an operator get from the request log: a logger that names the
// request, secrets kept out of the lines, and lines a terminal can read.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import express from 'express';
import { errorHandler } from '../../../src/app/errors.ts';
import { requestLog } from '../../../src/runtime/http/request-log.ts';
import { createLogger, type RequestFields } from '../../../src/runtime/log/log.ts';
import { createProcessMetrics } from '../../../src/runtime/metrics/metrics.ts';
import { request } from '../helpers/http.ts';

type Line = Record<string, unknown>;

/** The kit's request log and error handler around a route that logs the way user code would. */
async function loggingApp(t: TestContext) {
  const lines: Line[] = [];
  const waiters = new Map<string, () => void>();
  const log = createLogger({
    level: 'info',
    format: 'json',
    base: { proc: 'app', pid: 1 },
    write: (text) => {
      const line = JSON.parse(text) as Line;
      lines.push(line);
      waiters.get(String(line.msg))?.();
    },
  });
  /** Resolves once a line with this message has been written. */
  const logged = (msg: string) =>
    lines.some((l) => l.msg === msg) ? Promise.resolve() : new Promise<void>((resolve) => waiters.set(msg, resolve));
  const app = express();
  requestLog(app, log, createProcessMetrics());
  app.get('/work', (req, res) => {
    req.log.info('doing the work', { headers: req.headers });
    res.json({ ok: true });
  });
  app.get('/fail', () => {
    throw new Error('database is down');
  });
  app.use(errorHandler({ production: true, log }));
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, lines, logged };
}

describe('request log', () => {
  it("gives route code a logger whose every line carries the request's id", async (t) => {
    const { url, lines, logged } = await loggingApp(t);
    const res = await request(`${url}/work`);
    const id = res.headers['x-request-id'];
    assert.ok(id);
    // The request line is written when the response ends, a moment after the client has it.
    await logged('request');
    assert.deepEqual(
      lines.map((l) => [l.msg, l.requestId, l.level]),
      [
        ['doing the work', id, 'info'],
        ['request', id, 'info'],
      ],
    );
  });

  it('an error line from the error handler names the request it failed', async (t) => {
    const { url, lines } = await loggingApp(t);
    const res = await request(`${url}/fail`);
    assert.equal(res.status, 500);
    const failed = lines.find((l) => l.msg === 'request failed');
    assert.equal(failed?.requestId, res.headers['x-request-id']);
    assert.equal((failed?.err as { message?: string } | undefined)?.message, 'database is down');
  });

  it('keeps credentials in logged headers out of the log', async (t) => {
    const { url, lines } = await loggingApp(t);
    await request(`${url}/work`, {
      headers: { authorization: 'Bearer s3cret', cookie: 'session=s3cret', 'x-api-key': 's3cret', accept: 'text/html' },
    });
    const headers = lines.find((l) => l.msg === 'doing the work')?.headers as Record<string, unknown>;
    assert.deepEqual(
      [headers.authorization, headers.cookie, headers['x-api-key'], headers.accept],
      ['[redacted]', '[redacted]', '[redacted]', 'text/html'],
    );
    assert.ok(!JSON.stringify(lines).includes('s3cret'));
  });
});

describe('LOG_FORMAT=pretty', () => {
  it('writes one readable line per event: time, level, process, message, fields', () => {
    const lines: string[] = [];
    const log = createLogger({
      level: 'debug',
      format: 'pretty',
      base: { proc: 'worker 2', pid: 42 },
      write: (line) => lines.push(line),
    });
    log.child({ requestId: 'abc' }).warn('slow request', { path: '/api/info', ms: 1200, note: 'two words' });
    log.error('could not listen', { err: new Error('EADDRINUSE') });
    assert.match(
      lines[0] ?? '',
      /^\d\d:\d\d:\d\d\.\d{3} WARN {2}\[worker 2 42\] slow request requestId=abc path=\/api\/info ms=1200 note="two words"\n$/,
    );
    assert.match(lines[1] ?? '', /^\S+ ERROR \[worker 2 42\] could not listen err=Error: EADDRINUSE\n {4}at /);
    assert.equal(lines.length, 2);
  });
});

describe('the request line', () => {
  // Made by a template rather than pino's general path: it must stay the line pino would make.
  const cases: [string, RequestFields][] = [
    ['a plain request', { requestId: 'b1f0c2a4-5d6e', method: 'GET', path: '/api/info', status: 200, ms: 0.4 }],
    ['a path JSON must escape', { requestId: 'x', method: 'POST', path: '/a"b\\c/é/\u0001', status: 404, ms: 12 }],
    ['a path beyond one byte', { requestId: 'x', method: 'GET', path: '/café/\u{1F600}', status: 200, ms: 1 }],
    ['an aborted request', { requestId: 'x', method: 'GET', path: '/demo/sleep', status: 200, ms: 5.5, aborted: true }],
  ];
  for (const [name, fields] of cases) {
    it(`is the line pino makes of the same fields: ${name}`, () => {
      const made: string[] = [];
      const log = createLogger({
        level: 'info',
        format: 'json',
        base: { instance: 'web.1', proc: 'worker 1', pid: 42 },
        write: (line) => made.push(line.replace(/"time":"[^"]+"/, '"time":"T"')),
      });
      log.request('info', fields);
      log.info('request', fields);
      assert.equal(made.length, 2);
      assert.equal(made[0], made[1]);
    });
  }

  it('stamps the millisecond its request ended, across milliseconds, seconds and years', (t) => {
    const made: string[] = [];
    const log = createLogger({ level: 'info', format: 'json', base: {}, write: (line) => made.push(line) });
    const instants = ['2026-11-27T14:37:08.005Z', '2026-11-27T14:37:08.050Z', '2026-11-27T14:37:08.999Z'];
    instants.push('2026-11-27T14:37:09.000Z', '2026-12-31T23:59:59.999Z', '2027-01-01T00:00:00.120Z');
    t.mock.timers.enable({ apis: ['Date'] });
    for (const instant of instants) {
      t.mock.timers.setTime(Date.parse(instant));
      log.request('info', { requestId: 'x', method: 'GET', path: '/', status: 200, ms: 1 });
    }
    assert.deepEqual(
      made.map((line) => (JSON.parse(line) as { time: string }).time),
      instants,
    );
  });

  // pino before Node 25 leaves a lone surrogate raw, which UTF-8 cannot carry; JSON.stringify
  // escapes it, as pino itself does from Node 25 on.
  it('keeps a path with a lone surrogate intact', () => {
    const made: string[] = [];
    const log = createLogger({ level: 'info', format: 'json', base: {}, write: (line) => made.push(line) });
    const path = '/a/\ud800/b';
    log.request('info', { requestId: 'x', method: 'GET', path, status: 200, ms: 1 });
    const line = Buffer.from(made[0] ?? '').toString('utf8');
    assert.equal((JSON.parse(line) as { path: string }).path, path);
  });

  it('follows the level: a probe at debug is not written at info', () => {
    const made: string[] = [];
    const log = createLogger({ level: 'info', format: 'json', base: {}, write: (line) => made.push(line) });
    log.request('debug', { requestId: 'x', method: 'GET', path: '/healthz', status: 200, ms: 0.1 });
    assert.deepEqual(made, []);
  });
});
