// Headless Chromium for tests of pages people look at (Debian's `chromium`, driven by puppeteer-core): opens a
// page, records console errors, page errors and failed requests, and takes screenshots.
import { existsSync } from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Debian's chromium binary (.ci/run installs it), or CHROMIUM_PATH. */
export function chromiumPath(): string | undefined {
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));
}

export interface OpenedPage {
  browser: Browser;
  page: Page;
  /** Console errors, uncaught page errors and failed requests, as text. */
  problems: string[];
  /** URLs the page requested (to prove it needs no network). */
  requests: string[];
}

export async function openPage(url: string, viewport = { width: 1400, height: 1000 }): Promise<OpenedPage> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('chromium is not installed (Debian: apt-get install chromium; .ci/run does it)');
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--allow-file-access-from-files'],
  });
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${(e as Error).message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
  return { browser, page, problems, requests };
}
