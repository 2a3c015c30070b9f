/**
 * Screenshot of a report for the README:
 *   npx tsx dashboards/screenshot.ts <report.html> <out.png> [scenario]
 * Without a scenario: the top of the page, 1400 × 1400 px. With one: that scenario's section (table, latency
 * curves, the first time charts), at most 1700 px tall.
 */
import { resolve } from 'node:path';
import { openReport } from './browser.ts';

const [html, out, scenario] = process.argv.slice(2);
if (!html || !out) {
  process.stderr.write('usage: tsx dashboards/screenshot.ts <report.html> <out.png> [scenario]\n');
  process.exit(2);
}
await using report = await openReport(resolve(html), { width: 1400, height: 1400 });
const { page } = report;
await page.waitForTimeout(300);
if (scenario) {
  const section = page.locator(`#scenario-${scenario}`);
  const box = await section.boundingBox();
  if (!box) throw new Error(`no section #scenario-${scenario} in ${html}`);
  await page.setViewportSize({ width: 1400, height: Math.ceil(box.y + box.height) + 20 });
  await page.waitForTimeout(300);
  await page.screenshot({
    path: resolve(out),
    clip: { x: 0, y: box.y - 12, width: 1400, height: Math.min(1700, box.height + 24) },
  });
} else {
  await page.screenshot({ path: resolve(out) });
}
if (report.errors.length) process.stderr.write(`page errors:\n${report.errors.join('\n')}\n`);
process.stdout.write(`${resolve(out)}\n`);
