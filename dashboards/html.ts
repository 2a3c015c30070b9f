/**
 * The HTML dashboard (report.html): one self-contained file that opens without a network. Apache ECharts
 * (the "common" build: line, scatter, mark areas, data zoom) is read from node_modules at report time and
 * inlined, CSS is inline, and the chart data is inline JSON. Tables are rendered here, charts in the browser.
 *
 * Per scenario: the tradeoff table (best values highlighted), HdrHistogram-style latency percentile curves
 * (x = 1/(1−p) on a log axis labelled as percentiles, y = latency on a log axis; repeats' histograms added),
 * and per engine × guarantee a time chart of one run (a menu picks the repeat): outputs/s and p99 per second,
 * warm-up and fault windows shaded (an instantaneous fault is a line), protocol events in lanes below on the
 * same time axis. Then the claims, the environment and the runs.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { RunGroup } from './aggregate.ts';
import { type ClaimResult, verdictLabel } from './claims.ts';
import { partText } from './markdown.ts';
import { realVsModelHtml } from './real-vs-model.ts';
import type { ReportModel, ScenarioSection } from './report-model.ts';
import { soakHtml } from './soak-section.ts';
import { LANE_TITLES, LANES, type RunTimeline, runTimeline } from './timeline.ts';
import type { TableView } from './tradeoff-table.ts';

const ENGINE_COLORS: Record<string, string> = {
  passthrough: '#6b7280',
  'ack-tree': '#2563eb',
  'barrier-snapshot': '#ea580c',
  'operator-checkpoint': '#16a34a',
};
const OTHER_COLORS = ['#9333ea', '#0891b2', '#be123c', '#854d0e'];
const GUARANTEE_DASH: Record<string, string> = {
  'exactly-once': 'solid',
  'at-least-once': 'dashed',
  'at-most-once': 'dotted',
  none: 'solid',
};
const LANE_COLORS: Record<string, string> = {
  failure: '#dc2626',
  failover: '#9333ea',
  replay: '#d97706',
  checkpoint: '#0891b2',
  commit: '#16a34a',
};

/** The minified ECharts build that gets inlined. */
export function echartsSource(): string {
  const require = createRequire(import.meta.url);
  const main = require.resolve('echarts'); // node_modules/echarts/dist/echarts.js
  return readFileSync(join(dirname(main), 'echarts.common.min.js'), 'utf8');
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Keeps a third-party script from ending its <script> element early. */
function scriptText(source: string): string {
  return source.replace(/<\/script/gi, '<\\/script');
}

function shade(hex: string, amount: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(c + (255 - c) * amount);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map(mix);
  return `#${((1 << 24) | (r! << 16) | (g! << 8) | b!).toString(16).slice(1)}`;
}

/** A colour per group: the engine's, lighter for each further variant of the same engine and guarantee. */
function groupColors(groups: readonly RunGroup[]): Map<RunGroup, string> {
  const colors = new Map<RunGroup, string>();
  const seen = new Map<string, number>();
  const otherEngines = new Map<string, string>();
  const baseOf = (engine: string) => {
    const known = ENGINE_COLORS[engine] ?? otherEngines.get(engine);
    if (known) return known;
    const picked = OTHER_COLORS[otherEngines.size % OTHER_COLORS.length]!;
    otherEngines.set(engine, picked);
    return picked;
  };
  for (const g of groups) {
    const base = baseOf(g.engine);
    const k = `${g.engine} ${g.guarantee}`;
    const i = seen.get(k) ?? 0;
    seen.set(k, i + 1);
    colors.set(g, shade(base, Math.min(0.6, i * 0.3)));
  }
  return colors;
}

interface ChartCurve {
  label: string;
  color: string;
  dash: string;
  count: number;
  points: [number, number][];
}

interface ChartTimeline {
  label: string;
  color: string;
  runs: RunTimeline[];
}

interface PageData {
  lanes: { id: string; title: string; color: string }[];
  scenarios: { curves: ChartCurve[]; timelines: ChartTimeline[] }[];
}

function pageData(model: ReportModel): PageData {
  return {
    lanes: LANES.map((id) => ({ id, title: LANE_TITLES[id], color: LANE_COLORS[id]! })),
    scenarios: model.scenarios.map((s) => {
      const colors = groupColors(s.groups);
      return {
        curves: s.groups
          .filter((g) => g.latencyCurve.length > 0)
          .map((g) => ({
            label: g.label,
            color: colors.get(g)!,
            dash: GUARANTEE_DASH[g.guarantee] ?? 'solid',
            count: g.latency?.totalCount ?? 0,
            points: g.latencyCurve.map((p): [number, number] => [p.x, p.ms]),
          })),
        timelines: s.groups.map((g) => ({
          label: g.label,
          color: colors.get(g)!,
          runs: g.runs.map(runTimeline),
        })),
      };
    }),
  };
}

function tableHtml(view: TableView): string {
  const head = ['engine · guarantee', ...view.columns.map((c) => c.header)]
    .map((h, i) => `<th${i === 0 ? ' class="label"' : ''}>${escapeHtml(h)}</th>`)
    .join('');
  const rows = view.rows
    .map((r) => {
      const cells = r.cells
        .map((c, i) => {
          const id = view.columns[i]!.id;
          const classes = [
            c.best ? 'best' : '',
            id === 'verdict' ? verdictClass(c.text) : '',
            id === 'horizon' ? 'text' : '',
          ].filter(Boolean);
          const text = cellHtml(c.text);
          return `<td${classes.length ? ` class="${classes.join(' ')}"` : ''}>${c.best ? `<strong>${text}</strong>` : text}</td>`;
        })
        .join('');
      const g = r.group;
      const variant = g.variantLabel ? `<div class="variant">${escapeHtml(g.variantLabel)}</div>` : '';
      return `<tr><th class="label" scope="row">${escapeHtml(`${g.engine} · ${g.guarantee}`)}${variant}</th>${cells}</tr>`;
    })
    .join('\n');
  return `<table class="tradeoff"><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
}

/** `median [lo–hi] rest` → the median (and rest) on the first line, the interval small beneath it. */
function cellHtml(text: string): string {
  const m = /^(.*?) (\[[^\]]+\])(.*)$/.exec(text);
  if (!m) return escapeHtml(text);
  return `${escapeHtml(`${m[1]}${m[3]}`)}<span class="ci">${escapeHtml(m[2]!)}</span>`;
}

function verdictClass(text: string): string {
  if (text.startsWith('VIOLATED')) return 'violated';
  if (text.startsWith('unknown')) return 'unknown';
  return 'held';
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');

function scenarioHtml(s: ScenarioSection, index: number): string {
  const timelines = s.groups
    .map((g, gi) => {
      const picker =
        g.runs.length > 1
          ? `<label class="repeat">repeat <select data-scenario="${index}" data-group="${gi}">${g.runs
              .map((r, ri) => `<option value="${ri}">${ri + 1}: ${escapeHtml(r.summary.runId)}</option>`)
              .join('')}</select></label>`
          : `<span class="run-id">${escapeHtml(g.runs[0]!.summary.runId)}</span>`;
      return `<figure class="timeline">
  <figcaption><span class="group">${escapeHtml(g.label)}</span> ${picker}</figcaption>
  <div class="chart timeline-chart" data-scenario="${index}" data-group="${gi}"></div>
  <p class="chart-note" data-scenario="${index}" data-group="${gi}"></p>
</figure>`;
    })
    .join('\n');
  return `<section class="scenario" id="scenario-${slug(s.scenario)}">
<h2>Scenario: ${escapeHtml(s.scenario)}</h2>
${s.description ? `<p class="description">${escapeHtml(s.description)}</p>` : ''}
${s.faults.length ? `<p class="description">Faults (seconds from run start): ${escapeHtml(s.faults.join('; '))}.</p>` : ''}
<div class="table-wrap">${tableHtml(s.table)}</div>
<figure class="latency">
  <figcaption>End-to-end latency by percentile (repeats' histograms added; after warm-up)</figcaption>
  <div class="chart latency-chart" data-scenario="${index}"></div>
</figure>
<h3>Over time</h3>
<p class="hint">Outputs per second and p99 per second; grey: warm-up, red: fault windows (a line for an instantaneous fault); the lanes below are the engine's protocol events (a bigger dot stands for several). Drag or scroll to zoom.</p>
${timelines}
</section>`;
}

function claimsHtml(claims: readonly ClaimResult[]): string {
  const rows = claims
    .map((c) => {
      const single = c.parts.length === 1;
      const parts = c.parts
        .map((p) => `<li class="part ${slug(p.verdict)}">${escapeHtml(partText(p, single))}</li>`)
        .join('');
      return `<tr id="claim-${c.id}"><th scope="row">${escapeHtml(c.claim)}<div class="sub">measure: ${escapeHtml(c.measure)}<br>real system: ${escapeHtml(c.expected)}</div></th>
<td><ul class="evidence">${parts}</ul></td>
<td><span class="badge ${slug(c.verdict)}">${escapeHtml(c.verdict)}</span>${
        verdictLabel(c) === c.verdict
          ? ''
          : `<div class="sub">${escapeHtml(verdictLabel(c).slice(c.verdict.length + 2, -1))}</div>`
      }</td></tr>`;
    })
    .join('\n');
  const rules = claims
    .map((c) => `<li><strong>${escapeHtml(c.claim)}</strong>: ${escapeHtml(c.rule)}</li>`)
    .join('\n');
  return `<section id="claims">
<h2>The talk's claims</h2>
<table class="claims"><thead><tr><th>claim</th><th>measured evidence</th><th>verdict</th></tr></thead><tbody>
${rows}
</tbody></table>
<details class="rules"><summary>How the verdicts are decided</summary><ul>
${rules}
<li>A run a part reads but which lacks the evidence the part requires is left out, with the reason. A claim with several parts is contradicted if any measured part is, confirmed if a measured part that may confirm it alone is and none contradicts, and not measured otherwise.</li>
</ul></details>
</section>`;
}

function environmentHtml(model: ReportModel): string {
  const rows = model.environment
    .map((f) => {
      const values =
        f.values.length === 1
          ? f.values[0]!.value
          : f.values.map((v) => `${v.value} (${v.runs} runs)`).join(', ');
      return `<tr><th scope="row">${escapeHtml(f.name)}</th><td>${escapeHtml(values)}</td></tr>`;
    })
    .join('');
  return `<section id="environment"><h2>Environment</h2><table class="plain">${rows}</table></section>`;
}

function runsHtml(model: ReportModel): string {
  const rows = model.runs
    .map(
      (
        r,
      ) => `<tr><td><a href="${escapeHtml(encodeURI(r.path))}/">${escapeHtml(r.runId)}</a></td><td>${escapeHtml(r.scenario)}</td>
<td>${escapeHtml(r.engine)}</td><td>${escapeHtml(r.guarantee)}</td><td class="num">${r.rate}</td><td class="num">${r.durationS}</td>
<td>${escapeHtml(r.options || '—')}</td><td>${escapeHtml(r.model)}</td><td>${escapeHtml(r.faults || '—')}</td><td class="${verdictClass(r.verdict)}">${r.verdict}</td>
<td>${escapeHtml(r.warnings.join('; '))}</td></tr>`,
    )
    .join('\n');
  const skipped = model.skipped.length
    ? `<h3>Left out</h3><ul>${model.skipped.map((s) => `<li><code>${escapeHtml(s.path)}</code>: ${escapeHtml(s.reason)}</li>`).join('')}</ul>`
    : '';
  return `<section id="runs"><h2>Runs</h2>
<div class="table-wrap"><table class="plain runs"><thead><tr><th>run</th><th>scenario</th><th>engine</th><th>guarantee</th><th>rate/s</th><th>s</th><th>engine options</th><th>model</th><th>faults</th><th>guarantee held</th><th>warnings</th></tr></thead><tbody>
${rows}
</tbody></table></div>${skipped}</section>`;
}

const CSS = `
:root { --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --best: #dcfce7; --bg: #ffffff; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #f8fafc; }
header { background: #0f172a; color: #f1f5f9; padding: 18px 28px 14px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
header .meta { margin: 0; color: #cbd5e1; font-size: 13px; }
header nav { margin-top: 10px; display: flex; flex-wrap: wrap; gap: 6px 14px; font-size: 13px; }
header nav a { color: #93c5fd; text-decoration: none; }
.tally { margin-top: 8px; display: flex; gap: 8px; flex-wrap: wrap; }
main { padding: 8px 28px 40px; max-width: 1500px; }
section { background: var(--bg); border: 1px solid var(--line); border-radius: 8px; padding: 6px 20px 18px; margin: 18px 0; }
h2 { font-size: 18px; margin: 14px 0 6px; }
h3 { font-size: 15px; margin: 18px 0 4px; }
.description, .hint { color: var(--muted); margin: 2px 0 10px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
table.tradeoff th, table.tradeoff td, table.plain th, table.plain td, table.claims th, table.claims td { border-bottom: 1px solid var(--line); padding: 5px 8px; }
table.tradeoff { font-size: 13px; }
table.tradeoff td, table.tradeoff th { padding: 5px 6px; }
table.tradeoff thead th { font-size: 12px; color: var(--muted); font-weight: 600; text-align: right; vertical-align: bottom; border-bottom: 2px solid #cbd5e1; }
table.tradeoff td { text-align: right; white-space: nowrap; }
table.tradeoff td.text { text-align: left; white-space: normal; min-width: 180px; max-width: 260px; font-size: 12px; color: var(--muted); }
table.tradeoff th.label { text-align: left; white-space: nowrap; font-weight: 600; }
table.tradeoff th.label .variant { font-weight: 400; font-size: 11px; color: var(--muted); white-space: normal; max-width: 360px; }
td.best { background: var(--best); }
td .ci { display: block; font-size: 11px; color: var(--muted); font-weight: 400; }
.tally a { text-decoration: none; }
td.held { color: #15803d; } td.violated { color: #b91c1c; font-weight: 600; } td.unknown { color: #a16207; }
table.plain th { text-align: left; font-weight: 600; vertical-align: top; }
table.runs td { font-size: 12px; } td.num { text-align: right; }
figure { margin: 14px 0 0; }
figcaption { font-weight: 600; font-size: 13px; margin-bottom: 4px; display: flex; gap: 12px; align-items: baseline; flex-wrap: wrap; }
figcaption .run-id, figcaption .repeat { font-weight: 400; color: var(--muted); font-size: 12px; }
.chart { width: 100%; border: 1px solid var(--line); border-radius: 6px; }
.latency-chart { height: 360px; }
.timeline-chart { height: 430px; }
.chart-note { color: var(--muted); font-size: 12px; margin: 2px 0 0; min-height: 1em; }
table.claims { width: 100%; }
table.claims th { text-align: left; vertical-align: top; width: 28%; }
table.claims thead th { font-size: 12px; color: var(--muted); }
table.claims td { vertical-align: top; }
table.claims td:last-child { width: 1%; white-space: nowrap; }
table.claims .sub { font-weight: 400; color: var(--muted); font-size: 12px; margin-top: 3px; }
ul.evidence { margin: 0; padding-left: 16px; }
ul.evidence li.not-measured { color: var(--muted); }
.badge { display: inline-block; padding: 2px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.confirmed { background: #dcfce7; color: #166534; }
.badge.contradicted { background: #fee2e2; color: #991b1b; }
.badge.not-measured { background: #f1f5f9; color: #475569; }
details.rules { margin-top: 10px; } details.rules li { margin: 4px 0; }
code { font-size: 12px; }
`;

/** The browser side: builds the ECharts options from the inline data. Plain JS, no build step. */
const CLIENT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var charts = [];
  function fmtMs(v) { return v >= 100 ? Math.round(v).toLocaleString('en-US') : v >= 10 ? v.toFixed(1) : v.toFixed(2); }
  // x = 1 / (1 - p): 1 -> 0 %, 10 -> 90 %, 100 -> 99 %, 1000 -> 99.9 % ...
  function percentLabel(x) {
    if (x <= 1) return '0%';
    var digits = Math.max(0, Math.ceil(Math.log10(x) - 1e-9) - 2);
    return String(+(100 - 100 / x).toFixed(digits)) + '%';
  }
  function latencyOption(curves) {
    var maxX = 10;
    curves.forEach(function (c) { c.points.forEach(function (p) { if (p[0] > maxX) maxX = p[0]; }); });
    maxX = Math.pow(10, Math.ceil(Math.log10(maxX)));
    return {
      animation: false,
      grid: { left: 64, right: 300, top: 36, bottom: 48, outerBoundsMode: 'none' },
      legend: { type: 'scroll', orient: 'vertical', right: 8, top: 30, bottom: 10, width: 280,
                textStyle: { width: 250, overflow: 'truncate', fontSize: 12 } },
      tooltip: {
        trigger: 'axis',
        formatter: function (ps) {
          return ps.map(function (p) {
            return p.marker + p.seriesName + ': ' + fmtMs(p.data[1]) + ' ms at ' + percentLabel(p.data[0]);
          }).join('<br>');
        }
      },
      xAxis: { type: 'log', min: 1, max: maxX, name: 'percentile', nameLocation: 'middle', nameGap: 26,
               axisLabel: { formatter: percentLabel }, splitLine: { show: true, lineStyle: { color: '#eef0f3' } } },
      yAxis: { type: 'log', name: 'latency (ms)', axisLabel: { formatter: function (v) { return fmtMs(v); } },
               splitLine: { lineStyle: { color: '#eef0f3' } } },
      series: curves.map(function (c) {
        return { name: c.label + ' (' + c.count.toLocaleString('en-US') + ')', type: 'line', data: c.points,
                 showSymbol: false, color: c.color, lineStyle: { width: 2, type: c.dash } };
      })
    };
  }
  function timelineOption(tl, color) {
    var last = tl.series.length ? tl.series[tl.series.length - 1][0] + 1 : tl.loadEndS;
    var end = Math.max(last, tl.loadEndS);
    var faultFill = { color: 'rgba(220, 38, 38, 0.16)' };
    var faultAreas = tl.faults.filter(function (f) { return f.to !== null; }).map(function (f) {
      return [{ xAxis: f.from, name: f.label, itemStyle: faultFill }, { xAxis: f.to }];
    });
    var faultLines = tl.faults.filter(function (f) { return f.to === null; }).map(function (f) {
      return { xAxis: f.from, name: f.label, lineStyle: { color: '#dc2626', width: 2, type: 'solid' } };
    });
    var warmup = tl.warmupS > 0
      ? [[{ xAxis: 0, name: 'warm-up', itemStyle: { color: 'rgba(100, 116, 139, 0.12)' } }, { xAxis: tl.warmupS }]] : [];
    var laneTitles = data.lanes.map(function (l) { return l.title; });
    var lanes = data.lanes.map(function (lane) {
      return {
        name: lane.title, type: 'scatter', xAxisIndex: 1, yAxisIndex: 2, color: lane.color,
        symbolSize: function (p) { return p[2] > 1 ? Math.min(16, 6 + 2 * Math.log2(p[2])) : 6; },
        data: tl.points.filter(function (p) { return p.lane === lane.id; }).map(function (p) {
          return [p.t, lane.title, p.count, p.type, p.worker, p.detail];
        })
      };
    });
    var label = { show: true, position: 'insideEndTop', fontSize: 10, color: '#991b1b', formatter: '{b}' };
    return {
      animation: false,
      axisPointer: { link: [{ xAxisIndex: 'all' }] },
      legend: { top: 0, data: ['outputs/s', 'p99 ms'].concat(laneTitles), textStyle: { fontSize: 11 } },
      tooltip: {
        trigger: 'item',
        formatter: function (p) {
          var d = p.data;
          if (p.componentType === 'markArea' || p.componentType === 'markLine') return p.name;
          if (p.seriesType === 'scatter') {
            var head = d[2] > 1 ? d[2] + ' events from ' + d[0].toFixed(2) + ' s, first: ' : d[0].toFixed(3) + ' s: ';
            return head + d[3] + (d[4] ? ' (' + d[4] + ')' : '') + (d[5] ? '<br><small>' + d[5].replace(/</g, '&lt;') + '</small>' : '');
          }
          return p.seriesName + ' in second ' + Math.floor(d[0]) + ': ' + (p.seriesName === 'p99 ms' ? fmtMs(d[1]) : d[1]);
        }
      },
      // Fixed margins and no label-driven shrinking, so both grids share one time axis pixel for pixel.
      grid: [{ left: 150, right: 72, top: 48, height: 190, outerBoundsMode: 'none' },
             { left: 150, right: 72, top: 272, height: 100, outerBoundsMode: 'none' }],
      xAxis: [
        { gridIndex: 0, type: 'value', min: 0, max: end, axisLabel: { show: false }, axisPointer: { show: true, label: { show: false } } },
        { gridIndex: 1, type: 'value', min: 0, max: end, name: 'seconds from run start', nameLocation: 'middle', nameGap: 24,
          axisPointer: { show: true, label: { show: false } } }
      ],
      yAxis: [
        { gridIndex: 0, type: 'value', name: 'outputs/s', splitLine: { lineStyle: { color: '#eef0f3' } } },
        { gridIndex: 0, type: 'log', name: 'p99 ms', position: 'right', splitLine: { show: false },
          axisLabel: { formatter: function (v) { return fmtMs(v); } } },
        { gridIndex: 1, type: 'category', data: laneTitles, axisLabel: { fontSize: 10 }, splitLine: { show: true, lineStyle: { color: '#f1f3f6' } } }
      ],
      dataZoom: [{ type: 'inside', xAxisIndex: [0, 1] }, { type: 'slider', xAxisIndex: [0, 1], bottom: 6, height: 16 }],
      series: [
        { name: 'outputs/s', type: 'line', xAxisIndex: 0, yAxisIndex: 0, color: color, showSymbol: false, lineStyle: { width: 1.6 },
          data: tl.series.map(function (r) { return [r[0] + 0.5, r[1]]; }),
          markArea: { label: { fontSize: 10, color: '#475569' }, data: warmup.concat(faultAreas) },
          markLine: { symbol: 'none', label: label, data: faultLines.concat([
            { xAxis: tl.loadEndS, name: 'load ends', lineStyle: { color: '#64748b', type: 'dashed' } },
            { yAxis: tl.targetPerS, name: 'target', lineStyle: { color: '#94a3b8', type: 'dotted' }, label: { show: false } }
          ]) } },
        // Symbols, because a second of output between silent ones is a point with no line to draw.
        { name: 'p99 ms', type: 'line', xAxisIndex: 0, yAxisIndex: 1, color: '#7c3aed', showSymbol: true, symbolSize: 3,
          lineStyle: { width: 1.2, type: 'dashed' },
          data: tl.series.map(function (r) { return [r[0] + 0.5, r[2] === null || r[2] <= 0 ? '-' : r[2]]; }) },
        { name: 'faults', type: 'line', xAxisIndex: 1, yAxisIndex: 2, data: [], silent: true,
          markArea: { silent: true, data: faultAreas },
          markLine: { silent: true, symbol: 'none', label: { show: false }, data: faultLines } }
      ].concat(lanes)
    };
  }
  function note(el, tl) {
    var parts = [];
    if (tl.note) parts.push(tl.note);
    parts.push(tl.eventsInLanes + ' protocol events in the lanes');
    el.textContent = parts.join(' · ');
  }
  document.querySelectorAll('.latency-chart').forEach(function (el) {
    var curves = data.scenarios[+el.dataset.scenario].curves;
    if (!curves.length) { el.textContent = 'no latency histograms (latency.hlog) in these runs'; el.style.height = 'auto'; return; }
    var chart = echarts.init(el);
    chart.setOption(latencyOption(curves));
    charts.push(chart);
  });
  document.querySelectorAll('.timeline-chart').forEach(function (el) {
    var group = data.scenarios[+el.dataset.scenario].timelines[+el.dataset.group];
    var noteEl = document.querySelector('.chart-note[data-scenario="' + el.dataset.scenario + '"][data-group="' + el.dataset.group + '"]');
    var chart = echarts.init(el);
    var show = function (i) { chart.setOption(timelineOption(group.runs[i], group.color), true); note(noteEl, group.runs[i]); };
    show(0);
    charts.push(chart);
    var select = document.querySelector('select[data-scenario="' + el.dataset.scenario + '"][data-group="' + el.dataset.group + '"]');
    if (select) select.addEventListener('change', function () { show(+select.value); });
  });
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
`;

export function renderHtml(model: ReportModel, opts: { echarts?: string } = {}): string {
  const tally = (['confirmed', 'contradicted', 'not measured'] as const)
    .map((v) => ({ v, n: model.claims.filter((c) => c.verdict === v).length }))
    .filter((t) => t.n > 0)
    .map((t) => `<a class="badge ${slug(t.v)}" href="#claims">${t.n} ${t.v}</a>`)
    .join('');
  const nav = [
    ...model.scenarios.map((s) => `<a href="#scenario-${slug(s.scenario)}">${escapeHtml(s.scenario)}</a>`),
    ...(model.realVsModel.length ? ['<a href="#real-vs-model">real system vs model</a>'] : []),
    '<a href="#claims">the talk\'s claims</a>',
    '<a href="#environment">environment</a>',
    '<a href="#runs">runs</a>',
  ].join('');
  const runCount = model.runs.length;
  const meta =
    `${runCount} run${runCount === 1 ? '' : 's'} in ${model.scenarios.length} scenario${model.scenarios.length === 1 ? '' : 's'}` +
    (model.skipped.length ? `, ${model.skipped.length} left out` : '') +
    ` · from ${model.inputs.map(escapeHtml).join(', ')} · generated ${escapeHtml(model.generatedAt)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>faultline report</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>faultline: fault-tolerance tradeoffs</h1>
<p class="meta">${meta}</p>
<div class="tally">${tally}</div>
<nav>${nav}</nav>
</header>
<main>
<p class="hint">Each table row is one engine × guarantee (and variant when rate, duration or engine options differ). With repeats a cell reads <em>median [lo–hi]</em>: the 95 % percentile-bootstrap interval of the median (fixed seed). Highlighted: the best value of a column (lowest; highest share of the target for outputs/s). Latency is end-to-end from the intended send time, after warm-up; recovery is the first fault's.</p>
${model.soaks.map((soak) => soakHtml(soak, escapeHtml)).join('\n')}
${model.scenarios.map(scenarioHtml).join('\n')}
${realVsModelHtml(model.realVsModel, escapeHtml)}
${claimsHtml(model.claims)}
${environmentHtml(model)}
${runsHtml(model)}
</main>
<script>${scriptText(opts.echarts ?? echartsSource())}</script>
<script type="application/json" id="report-data">${scriptJson(pageData(model))}</script>
<script>${CLIENT}</script>
</body>
</html>
`;
}
