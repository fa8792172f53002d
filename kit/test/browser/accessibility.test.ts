// The page at / against axe-core's WCAG 2.1 A and AA rules and its best practices, in Chromium,
// at a desktop's width and a phone's, with the workers, the timeline and the fleet filled in: a
// second dyno shares the page's Redis, so its row and its events are on the page too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { it } from 'node:test';
import type { Page } from 'playwright-core';
import { clusterAndPage, skipWithoutBrowser } from '../helpers/browser.ts';
import { byMsg, startDyno } from '../helpers/process.ts';
import { needsRedisServer, privateRedis } from '../helpers/redis.ts';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const RULES = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

type Violation = { id: string; impact: string; help: string; nodes: { target: string[] }[] };

/** axe's findings, one line each: the rule, how bad, and where. */
async function violations(page: Page): Promise<string[]> {
  // Evaluated, not added as a script tag: the page's Content-Security-Policy allows no inline script.
  await page.evaluate(AXE);
  const found = await page.evaluate(
    async (tags) =>
      (
        await (
          globalThis as unknown as {
            axe: { run: (context: Document, options: object) => Promise<{ violations: unknown[] }> };
          }
        ).axe.run(document, { runOnly: { type: 'tag', values: tags } })
      ).violations,
    RULES,
  );
  return (found as Violation[]).map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}

for (const viewport of [
  { name: 'a desktop', width: 1280, height: 900 },
  { name: 'a phone', width: 390, height: 844 },
]) {
  it(`passes axe-core's WCAG 2.1 AA and best-practice rules on ${viewport.name} (${viewport.width} px)`, {
    skip: skipWithoutBrowser || needsRedisServer.skip,
  }, async (t) => {
    const redisUrl = await privateRedis(t, []);
    const other = startDyno(t, { WEB_CONCURRENCY: '1', DYNO: 'web.2', REDIS_URL: redisUrl });
    await other.waitFor('listening', byMsg('listening'));
    const { base, page } = await clusterAndPage(
      t,
      { WEB_CONCURRENCY: '2', DYNO: 'web.1', REDIS_URL: redisUrl },
      viewport,
    );
    await page.goto(base);
    await page.waitForFunction(() => document.querySelectorAll('#workers tbody tr').length === 2);
    await page.waitForFunction(() => document.querySelectorAll('#timeline li').length >= 3);
    await page.waitForFunction(() => document.querySelectorAll('#dynos tbody tr').length === 2);
    await page.waitForFunction(() => document.querySelectorAll('#timeline li.elsewhere').length >= 1);
    await page.waitForFunction(() => document.getElementById('visits-dyno')?.textContent === '0');
    assert.deepEqual(await violations(page), []);
  });
}
