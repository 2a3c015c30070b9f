/**
 * Opens a report in Debian's headless Chromium through playwright-core (dev dependency: used by the browser
 * test and the screenshot script, never by `faultline report`). Collects console errors and page errors, so
 * callers can assert a clean load.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.FAULTLINE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export const chromiumAvailable = () => existsSync(CHROMIUM_PATH);

export interface OpenedReport extends AsyncDisposable {
  browser: Browser;
  page: Page;
  /** Console messages of type error, and uncaught page errors. */
  errors: string[];
  /** Requests the page made to anything but file:// (a self-contained report makes none). */
  externalRequests: string[];
}

export async function openReport(
  htmlPath: string,
  viewport = { width: 1400, height: 900 },
): Promise<OpenedReport> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
  });
  try {
    const page = await browser.newPage({ viewport, deviceScaleFactor: 1 });
    const errors: string[] = [];
    const externalRequests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) externalRequests.push(r.url());
    });
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    return {
      browser,
      page,
      errors,
      externalRequests,
      [Symbol.asyncDispose]: () => browser.close(),
    };
  } catch (e) {
    await browser.close();
    throw e;
  }
}
