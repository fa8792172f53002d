// Debian's Chromium, driven by playwright-core, as the page tests use it.
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { needsDemo } from './demo.ts';
import { byMsg, type Dyno, startDyno } from './process.ts';

export const CHROMIUM = '/usr/bin/chromium';
// CI installs Debian's chromium (.ci/run); a developer without it is told, not failed.
export const skipWithoutBrowser =
  needsDemo.skip ?? (!existsSync(CHROMIUM) && !process.env.CI ? `no ${CHROMIUM}: apt-get install chromium` : false);

/** Chromium, closed after the test; `args` are added to its command line. */
export async function launch(t: TestContext, args: readonly string[] = []): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Offline machine: without these Chromium keeps trying to reach Google's services.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...args,
    ],
  });
  t.after(() => browser.close());
  return browser;
}

/** A cluster started with `env`, and a page in Chromium, not yet at it, that records its problems. */
export async function clusterAndPage(
  t: TestContext,
  env: Record<string, string>,
  viewport = { width: 1000, height: 900 },
): Promise<{ dyno: Dyno; base: string; page: Page; problems: string[] }> {
  const dyno = startDyno(t, env);
  const { port } = await dyno.waitFor('cluster ready', byMsg('cluster ready'));
  const browser = await launch(t);
  const page = await browser.newPage({ viewport });
  return { dyno, base: `http://127.0.0.1:${port}`, page, problems: problemsOf(page) };
}

/** Script errors and console errors (CSP violations included) the page had. */
export function problemsOf(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  return problems;
}
