import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { reportPaths, writeReport } from './report.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/matrix-small/', import.meta.url));
const temps: string[] = [];
afterEach(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('reportPaths', () => {
  it('writes into the first directory by default, else next to --out', () => {
    expect(reportPaths([FIXTURE], undefined)).toEqual({
      html: join(FIXTURE, 'report.html'),
      markdown: join(FIXTURE, 'report.md'),
    });
    expect(reportPaths([FIXTURE], '/x/tradeoffs.html')).toEqual({
      html: '/x/tradeoffs.html',
      markdown: '/x/tradeoffs.md',
    });
    expect(reportPaths([FIXTURE], '/x/tradeoffs.md')).toEqual({
      html: '/x/tradeoffs.html',
      markdown: '/x/tradeoffs.md',
    });
    expect(reportPaths([FIXTURE], '/x/out/')).toEqual({
      html: '/x/out/report.html',
      markdown: '/x/out/report.md',
    });
  });
});

describe('writeReport', () => {
  it('writes a self-contained HTML file and the Markdown report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'faultline-report-'));
    temps.push(dir);
    const result = writeReport({ paths: [FIXTURE], out: join(dir, 'r.html') });
    const html = readFileSync(result.htmlPath, 'utf8');
    const md = readFileSync(result.markdownPath, 'utf8');
    expect(md).toContain('## Scenario: kill-worker');
    // No network: no external scripts, styles or fonts; ECharts is inline.
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    expect(html).toContain('Apache Software Foundation');
    const data = JSON.parse(
      /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!,
    );
    expect(data.scenarios).toHaveLength(2);
    expect(data.scenarios[1].timelines[1].runs).toHaveLength(2);
    expect(html).toContain('<td class="best"><strong>');
    expect(result.model.skipped).toHaveLength(2);
  });
});
