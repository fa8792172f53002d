// The page's jobs section with Redis and a worker dyno beside the web: its button enqueues a
// batch, and the page shows them done, each with the runner that ran it.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { clusterAndPage, skipWithoutBrowser } from '../helpers/browser.ts';
import { byMsg, startDyno } from '../helpers/process.ts';
import { needsRedisServer, privateRedis } from '../helpers/redis.ts';

declare const document: { getElementById(id: string): { textContent: string | null } | null };

it('the button enqueues 20 sample jobs, and the page shows them run by the worker dyno’s runners', {
  skip: skipWithoutBrowser || needsRedisServer.skip,
}, async (t) => {
  const redisUrl = await privateRedis(t, []);
  const worker = startDyno(t, { JOB_PROCESSES: '2', DYNO: 'worker.1', REDIS_URL: redisUrl }, 'worker.ts');
  await worker.waitFor('runners take jobs', byMsg('cluster ready'));
  const { base, page, problems } = await clusterAndPage(t, {
    WEB_CONCURRENCY: '2',
    DYNO: 'web.1',
    REDIS_URL: redisUrl,
  });
  await page.goto(base);
  await page.waitForFunction(() => /^Waiting 0, /.test(document.getElementById('job-counts')?.textContent ?? ''));
  await page.getByRole('button', { name: 'Enqueue 20 sample jobs' }).click();
  await page.waitForFunction(
    () => document.getElementById('job-counts')?.textContent === 'Waiting 0, running 0, done 20, failed 0.',
    undefined,
    { timeout: 30_000 },
  );
  const ranBy = await page.$$eval('#job-list tbody td:nth-child(4)', (cells) => cells.map((c) => c.textContent));
  assert.equal(ranBy.length, 20);
  assert.ok(
    ranBy.every((who) => /^worker\.1 runner [12] \(pid \d+\)$/.test(who ?? '')),
    ranBy.join('; '),
  );
  assert.equal(new Set(ranBy).size, 2, 'both runners took jobs');
  assert.deepEqual(problems, []);
  worker.signalGroup('SIGTERM');
  assert.equal((await worker.exited).code, 0);
});
