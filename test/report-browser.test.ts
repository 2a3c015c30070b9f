/**
 * The HTML report in Debian's headless Chromium (playwright-core): generated from the small fixture matrix,
 * opened over file:// with no network, it must load without console errors, draw every chart (a canvas
 * with a size and with pixels on it) and show the tables. Needs no services, only a browser.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, chromiumAvailable, openReport } from '../dashboards/browser.ts';
import { writeReport } from '../dashboards/report.ts';

const FIXTURE = fileURLToPath(new URL('../dashboards/fixtures/matrix-small/', import.meta.url));
const missing = chromiumAvailable() ? null : `chromium is not installed at ${CHROMIUM_PATH}`;

const outDir = mkdtempSync(join(tmpdir(), 'faultline-report-browser-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const title = missing
  ? `the HTML report in headless Chromium — ${missing}`
  : 'the HTML report in headless Chromium';
describe.skipIf(missing !== null)(title, () => {
  it('loads offline without console errors, renders every chart and the tables', async () => {
    const { htmlPath, model } = writeReport({ paths: [FIXTURE], out: join(outDir, 'report.html') });
    const groups = model.scenarios.reduce((a, s) => a + s.groups.length, 0);
    await using report = await openReport(htmlPath);
    const { page } = report;
    await expect
      .poll(() => page.locator('.chart canvas').count(), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(model.scenarios.length + groups);

    const charts = await page.$$eval('.chart', (els) =>
      els.map((el) => {
        const canvas = el.querySelector('canvas');
        if (!canvas) return { kind: el.className, width: 0, height: 0, inked: 0 };
        const ctx = canvas.getContext('2d');
        const { data } = ctx!.getImageData(0, 0, canvas.width, canvas.height);
        let inked = 0;
        for (let i = 3; i < data.length; i += 4 * 7) if (data[i]! > 0) inked++;
        const box = canvas.getBoundingClientRect();
        return { kind: el.className, width: box.width, height: box.height, inked };
      }),
    );
    expect(charts.filter((c) => c.kind.includes('latency-chart'))).toHaveLength(model.scenarios.length);
    expect(charts.filter((c) => c.kind.includes('timeline-chart'))).toHaveLength(groups);
    for (const c of charts) {
      expect(c.width, c.kind).toBeGreaterThan(300);
      expect(c.height, c.kind).toBeGreaterThan(200);
      expect(c.inked, `${c.kind} has drawn pixels`).toBeGreaterThan(500);
    }

    expect(await page.locator('table.tradeoff').count()).toBe(model.scenarios.length);
    expect(await page.locator('table.tradeoff tbody tr').count()).toBe(groups);
    expect(await page.locator('table.tradeoff td.best').count()).toBeGreaterThan(0);
    expect(await page.locator('#claims table.claims tbody tr').count()).toBe(7);
    expect(await page.locator('#claims .badge.confirmed').count()).toBeGreaterThan(0);
    expect(await page.locator('#runs table.runs tbody tr').count()).toBe(model.runs.length);

    // Picking another repeat redraws the time chart.
    const select = page.locator('select[data-group]').first();
    await select.selectOption('1');
    await page.waitForTimeout(200);

    expect(report.errors).toEqual([]);
    expect(report.externalRequests).toEqual([]);
  }, 60_000);
});
