/**
 * `faultline report` as a function: load runs and matrices, build the report model once, write report.html
 * and report.md. The CLI is a thin wrapper around `writeReport`.
 *
 * Where the files go: without `out`, into the first given directory. With `out`: an existing directory (or a
 * path ending in "/") gets report.html and report.md; a path ending in .md is the Markdown file and the HTML
 * goes next to it with the same name; any other path is the HTML file and the Markdown goes next to it.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { renderHtml } from './html.ts';
import { loadReportInput } from './load.ts';
import { renderMarkdown } from './markdown.ts';
import { buildReportModel, type ReportModel } from './report-model.ts';

export interface ReportOptions {
  /** Run directories, matrix directories, folders of runs. */
  paths: string[];
  out?: string;
  now?: Date;
}

export interface ReportResult {
  htmlPath: string;
  markdownPath: string;
  model: ReportModel;
}

export function reportPaths(
  paths: readonly string[],
  out: string | undefined,
): { html: string; markdown: string } {
  if (out === undefined) {
    const first = resolve(paths[0] ?? '.');
    const dir = existsSync(first) && statSync(first).isDirectory() ? first : dirname(first);
    return { html: join(dir, 'report.html'), markdown: join(dir, 'report.md') };
  }
  const target = resolve(out);
  if (out.endsWith('/') || (existsSync(target) && statSync(target).isDirectory()))
    return { html: join(target, 'report.html'), markdown: join(target, 'report.md') };
  const ext = extname(target).toLowerCase();
  const stem = join(dirname(target), basename(target, extname(target)));
  if (ext === '.md') return { html: `${stem}.html`, markdown: target };
  if (ext === '.html' || ext === '.htm') return { html: target, markdown: `${stem}.md` };
  return { html: `${target}.html`, markdown: `${target}.md` };
}

export function writeReport(opts: ReportOptions): ReportResult {
  const input = loadReportInput(opts.paths);
  const { html, markdown } = reportPaths(opts.paths, opts.out);
  const model = buildReportModel(input, { inputs: opts.paths, reportDir: dirname(html), now: opts.now });
  mkdirSync(dirname(html), { recursive: true });
  mkdirSync(dirname(markdown), { recursive: true });
  writeFileSync(markdown, renderMarkdown(model));
  writeFileSync(html, renderHtml(model));
  return { htmlPath: html, markdownPath: markdown, model };
}
