import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { it } from 'node:test';
import { clusterAndPage, launch, problemsOf, skipWithoutBrowser } from '../helpers/browser.ts';
import { request } from '../helpers/http.ts';
import { byMsg, ROOT, startDyno } from '../helpers/process.ts';

// The page-side callbacks below run in the browser; this is the little of the DOM they use.
interface PageElement {
  readonly textContent: string | null;
  readonly clientWidth: number;
  querySelector(selector: string): PageElement | null;
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  getElementById(id: string): PageElement | null;
};

const skip = skipWithoutBrowser;

it('the page at / shows every worker live, updates after requests, and counts visits four ways', {
  skip,
}, async (t) => {
  const { dyno, base, page, problems } = await clusterAndPage(t, { WEB_CONCURRENCY: '2' });

  await page.goto(base);
  await page.waitForFunction(() => document.querySelectorAll('#workers tbody tr').length === 2);
  const pids = await page.$$eval('#workers tbody tr td:nth-child(3)', (cells) =>
    cells.map((c) => Number(c.textContent)),
  );
  const workerPids = dyno.logs.filter(byMsg('worker ready')).map((l) => l.workerPid as number);
  assert.deepEqual(pids.sort(), workerPids.sort(), 'every worker is on the page');
  assert.match(
    (await page.textContent('#cluster-summary')) ?? '',
    /2 workers under primary pid \d+\. Why 2: WEB_CONCURRENCY=2\./,
  );

  const shown = () =>
    page.$$eval('#workers tbody td.requests', (cells) => cells.reduce((sum, c) => sum + Number(c.textContent), 0));
  const before = await shown();
  // One keep-alive connection: all 20 land on one worker, so the chart has a clear leader.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.after(() => agent.destroy());
  for (let i = 0; i < 20; i += 1) await request(`${base}/api/info`, { agent });
  // The page polls once a second and workers report once a second: wait for it, no sleep.
  await page.waitForFunction(
    (atLeast) =>
      Array.from(document.querySelectorAll('#workers tbody td.requests')).reduce(
        (sum, cell) => sum + Number(cell.textContent),
        0,
      ) >= atLeast,
    before + 20,
  );
  assert.equal(await page.locator('#chart .bar').count(), 2, 'one bar per worker');
  // Each bar's length is its share of the busiest worker's requests.
  const bars = await page.$$eval('#chart .bar', (elements) =>
    elements.map((bar) => ({
      count: Number(bar.querySelector('.count')?.textContent),
      filled: (bar.querySelector('.fill')?.clientWidth ?? 0) / (bar.querySelector('.track')?.clientWidth || 1),
    })),
  );
  const most = Math.max(...bars.map((bar) => bar.count));
  for (const bar of bars) {
    assert.ok(Math.abs(bar.filled - bar.count / most) < 0.05, `bar for ${bar.count} of ${most} is ${bar.filled} full`);
  }

  // Visits, four ways: the button counts one; with no Redis and no database, the page says how to attach each.
  await page.waitForFunction(() => document.getElementById('visits-dyno')?.textContent === '0');
  for (let i = 1; i <= 3; i += 1) {
    await page.getByRole('button', { name: 'Count a visit' }).click();
    await page.waitForFunction((n) => document.getElementById('visits-dyno')?.textContent === String(n), i);
  }
  assert.match((await page.textContent('#visits-worker')) ?? '', /^[123] \(worker [12], pid \d+\)$/);
  assert.equal(await page.textContent('#visits-redis'), 'not counted');
  assert.equal(await page.textContent('#visits-database'), 'no database');
  const note = (await page.textContent('#visits-note')) ?? '';
  assert.match(note, /heroku addons:create heroku-redis:mini/);
  assert.match(note, /heroku addons:create heroku-postgresql:essential-0/);

  // Every dyno: without Redis, this one alone, and the page says why and how to attach one.
  await page.waitForFunction(() => document.querySelectorAll('#dynos tbody tr').length === 1);
  assert.match(
    (await page.textContent('#dynos tbody tr')) ?? '',
    /^pid \d+ \(this one\)unknown \(local, a container, a VM\)2 of 2/,
  );
  assert.match(
    (await page.textContent('#fleet-note')) ?? '',
    /^This dyno only: .*heroku addons:create heroku-redis:mini/,
  );

  // Jobs: without Redis there is no queue, and the page says why.
  await page.waitForFunction(() => /^No queue here: /.test(document.getElementById('job-counts')?.textContent ?? ''));
  assert.match(
    (await page.textContent('#job-counts')) ?? '',
    /jobs need Redis: .*heroku addons:create heroku-redis:mini/,
  );

  // The rate limit: twice its limit fired at once, exactly the limit let through, the rest 429,
  // and again on a second press (a burst of its own).
  const fire = page.getByRole('button', { name: 'Fire 10 requests' });
  for (let press = 0; press < 2; press += 1) {
    await fire.click();
    await page.waitForFunction(() => /refused/.test(document.getElementById('limit-result')?.textContent ?? ''));
    assert.match(
      (await page.textContent('#limit-result')) ?? '',
      /^5 accepted \((worker [12], ){4}worker [12]\), 5 refused with 429\.$/,
    );
    await page.evaluate(() => {
      (document.getElementById('limit-result') as unknown as { textContent: string }).textContent = '';
    });
  }
  assert.match((await page.textContent('#limit')) ?? '', /this dyno only: counted by its primary for its 2 workers/);

  const artifacts = path.join(ROOT, 'kit', 'test', 'artifacts');
  await mkdir(artifacts, { recursive: true });
  await page.screenshot({ path: path.join(artifacts, 'status-page.png'), fullPage: true });
  // Chromium reports each refused request on the console: those ten, and nothing else.
  const refused = 'Failed to load resource: the server responded with a status of 429 (Too Many Requests)';
  assert.equal(problems.filter((p) => p === refused).length, 10);
  assert.deepEqual(
    problems.filter((p) => p !== refused),
    [],
    'no script errors and no CSP violations',
  );
});

it('over plain HTTP at a name that is not localhost (a LAN address, a VM), the page is styled, its button works, and its console is clean', {
  skip,
}, async (t) => {
  const dyno = startDyno(t, { WEB_CONCURRENCY: '2' });
  const { port } = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
  // Not a secure context, as http://192.168.1.20 is not: Chromium treats only localhost and the
  // loopback addresses as one over plain HTTP.
  const browser = await launch(t, ['--host-resolver-rules=MAP lan.test 127.0.0.1']);
  const page = await browser.newPage();
  const problems = problemsOf(page);
  await page.goto(`http://lan.test:${port}/`);
  assert.equal(await page.evaluate('isSecureContext'), false);
  const font = await page.evaluate('getComputedStyle(document.body).fontFamily');
  assert.match(String(font), /system-ui/, 'the stylesheet loaded over http://, not sent to https://');
  await page.getByRole('button', { name: 'Fire 10 requests' }).click();
  await page.waitForFunction(() => /refused/.test(document.getElementById('limit-result')?.textContent ?? ''));
  const refused = 'Failed to load resource: the server responded with a status of 429 (Too Many Requests)';
  assert.deepEqual(
    problems.filter((p) => p !== refused),
    [],
    'no script error, and no header the browser had to ignore',
  );
});
