/**
 * The report's section for a soak (soak.json): violations first — each with its seed, its schedule, the command
 * that replays it and the smallest schedule shrinking found — then the counts per engine and guarantee, the
 * runs whose verdict is unknown and why, the evidence that the faults happened and the engine reacted, and the
 * distribution of recovery times over the schedules.
 */
import { relative } from 'node:path';
import {
  describeFault,
  formatSoakEvidence,
  formatSoakRecovery,
  replayCommand,
  type SoakFile,
  type SoakRecoveryTotals,
  soakEvidence,
  soakRecovery,
  soakTotals,
} from '../harness/index.ts';

export interface SoakViolation {
  seed: number;
  counts: string;
  faults: string[];
  replay: string;
  /** The smallest schedule that still violated, when shrinking found one smaller than the whole. */
  shrunk: { faults: string[]; replay: string } | null;
  shrinkNote: string;
}

export interface SoakSection {
  /** Relative to the report's directory. */
  path: string;
  engine: string;
  guarantee: string;
  seeds: string;
  durationS: number;
  kinds: string[];
  totals: ReturnType<typeof soakTotals>;
  wallMin: number;
  violations: SoakViolation[];
  unknown: { seed: number; reasons: string }[];
  harnessErrors: { seed: number; error: string }[];
  /** That the faults happened and the engine reacted (harness/soak.ts); null: no run records it. */
  evidence: string | null;
  recovery: Omit<SoakRecoveryTotals, 'measuredS'> & {
    /** The outcomes as one line. */
    line: string;
    /** Counts per bucket of recovery time, for a bar chart. */
    buckets: { label: string; count: number }[];
  };
}

const BUCKETS_S = [2, 5, 10, 20] as const;

export function soakSection(file: SoakFile, dir: string, reportDir: string): SoakSection {
  const spec = file.spec;
  const violations = file.runs
    .filter((r) => r.verdict === false)
    .map((r): SoakViolation => {
      const c = r.counts;
      const s = r.shrink;
      const last = s?.attempts.find((a) => a.kept.join(',') === s.smallest.join(','));
      const smaller = s && last && s.smallest.length < r.faults.length;
      return {
        seed: r.seed,
        counts: c
          ? `lost ${c.lost}, duplicated ${c.duplicated}, unexpected ${c.unexpected}, incorrect ${c.incorrect}`
          : '',
        faults: r.faults.map(describeFault),
        replay: replayCommand(spec, dir, r),
        shrunk: smaller
          ? {
              faults: s.smallest.map((i) => describeFault(r.faults[i]!)),
              replay: replayCommand(spec, dir, last),
            }
          : null,
        shrinkNote: !s
          ? 'not shrunk'
          : `${s.attempts.length} shrink run${s.attempts.length === 1 ? '' : 's'}${s.budgetSpent ? ' (budget spent)' : s.finished ? '' : ' (unfinished)'}${smaller ? '' : ': no smaller schedule violated'}`,
      };
    });
  const { measuredS: measured, ...recovery } = soakRecovery(file);
  const buckets = BUCKETS_S.map((hi, i) => ({
    label: `${i === 0 ? 0 : BUCKETS_S[i - 1]}–${hi} s`,
    count: measured.filter((v) => v >= (i === 0 ? 0 : BUCKETS_S[i - 1]!) && v < hi).length,
  }));
  buckets.push({
    label: `≥ ${BUCKETS_S.at(-1)} s`,
    count: measured.filter((v) => v >= BUCKETS_S.at(-1)!).length,
  });
  return {
    path: relative(reportDir, dir) || '.',
    engine: spec.engine,
    guarantee: spec.guarantee,
    seeds: `${spec.seed}–${spec.seed + file.runs.length - 1}`,
    durationS: spec.durationS,
    kinds: spec.kinds,
    totals: soakTotals(file),
    wallMin: Math.round((file.wallS / 60) * 10) / 10,
    violations,
    unknown: file.runs
      .filter((r) => r.status === 'done' && r.verdict === 'unknown')
      .map((r) => ({ seed: r.seed, reasons: (r.reasons ?? []).join('; ') || 'no reason recorded' })),
    harnessErrors: file.runs
      .filter((r) => r.status === 'failed')
      .map((r) => ({ seed: r.seed, error: r.error ?? '' })),
    evidence: formatSoakEvidence(soakEvidence(file)),
    recovery: { ...recovery, line: formatSoakRecovery(recovery), buckets },
  };
}

/** The section as Markdown lines. */
export function soakMarkdown(s: SoakSection, mdCell: (text: string) => string): string[] {
  const t = s.totals;
  const lines = [
    `## Soak: ${s.engine} · ${s.guarantee}`,
    '',
    `${s.path}: seeds ${s.seeds}, ${s.durationS} s each, fault kinds ${s.kinds.join(', ')}.`,
    '',
  ];
  if (s.violations.length) {
    lines.push(`### Violations (${s.violations.length})`, '');
    for (const v of s.violations) {
      lines.push(`- **seed ${v.seed}**: ${v.counts}; schedule: ${v.faults.join('; ')}`);
      lines.push(`  - replay: \`${v.replay}\``);
      if (v.shrunk)
        lines.push(
          `  - shrunk to: ${v.shrunk.faults.join('; ')} (${v.shrinkNote}); replay: \`${v.shrunk.replay}\``,
        );
      else lines.push(`  - ${v.shrinkNote}`);
    }
    lines.push('');
  }
  lines.push(
    '| engine | guarantee | runs | held | violated | unknown | harness errors | not run | wall time |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${s.engine} | ${s.guarantee} | ${t.runs} | ${t.held} | ${t.violated} | ${t.unknown} | ${t.harnessErrors} | ${t.pending} | ${s.wallMin} min |`,
    '',
  );
  for (const u of s.unknown) lines.push(`- unknown, seed ${u.seed}: ${mdCell(u.reasons)}`);
  for (const e of s.harnessErrors) lines.push(`- harness error, seed ${e.seed}: ${mdCell(e.error)}`);
  if (s.unknown.length || s.harnessErrors.length) lines.push('');
  const r = s.recovery;
  if (s.evidence) lines.push(`Evidence: ${s.evidence}.`, '');
  lines.push(
    `Recovery over the schedules' faults: ${r.line}.`,
    '',
    `| recovery | ${r.buckets.map((b) => b.label).join(' | ')} |`,
    `| --- | ${r.buckets.map(() => '---:').join(' | ')} |`,
    `| faults | ${r.buckets.map((b) => b.count).join(' | ')} |`,
    '',
  );
  return lines;
}

/** The section as HTML (esc: the report's HTML escaper). */
export function soakHtml(s: SoakSection, esc: (text: string) => string): string {
  const t = s.totals;
  const violations = s.violations.length
    ? `<h3>Violations (${s.violations.length})</h3><ul class="violations">${s.violations
        .map(
          (v) =>
            `<li><strong>seed ${v.seed}</strong>: ${esc(v.counts)}<br>schedule: ${esc(v.faults.join('; '))}<br>replay: <code>${esc(v.replay)}</code>` +
            (v.shrunk
              ? `<br>shrunk to: ${esc(v.shrunk.faults.join('; '))} (${esc(v.shrinkNote)})<br>replay: <code>${esc(v.shrunk.replay)}</code>`
              : `<br>${esc(v.shrinkNote)}`) +
            '</li>',
        )
        .join('')}</ul>`
    : '<p>No violation.</p>';
  const notes = [
    ...s.unknown.map((u) => `<li>unknown, seed ${u.seed}: ${esc(u.reasons)}</li>`),
    ...s.harnessErrors.map((e) => `<li>harness error, seed ${e.seed}: ${esc(e.error)}</li>`),
  ];
  const r = s.recovery;
  const max = Math.max(1, ...r.buckets.map((b) => b.count));
  return `<section id="soak-${esc(s.engine)}-${esc(s.guarantee)}">
<h2>Soak: ${esc(s.engine)} · ${esc(s.guarantee)}</h2>
<p class="meta">${esc(s.path)}: seeds ${esc(s.seeds)}, ${s.durationS} s each, fault kinds ${esc(s.kinds.join(', '))}</p>
${violations}
<table><thead><tr><th>engine</th><th>guarantee</th><th>runs</th><th>held</th><th>violated</th><th>unknown</th><th>harness errors</th><th>not run</th><th>wall time</th></tr></thead>
<tbody><tr><td>${esc(s.engine)}</td><td>${esc(s.guarantee)}</td><td>${t.runs}</td><td>${t.held}</td><td>${t.violated}</td><td>${t.unknown}</td><td>${t.harnessErrors}</td><td>${t.pending}</td><td>${s.wallMin} min</td></tr></tbody></table>
${notes.length ? `<ul>${notes.join('')}</ul>` : ''}
${s.evidence ? `<p>Evidence: ${esc(s.evidence)}.</p>` : ''}
<p>Recovery over the schedules' faults: ${esc(r.line)}.</p>
<table class="soak-recovery"><tbody>${r.buckets
    .map(
      (b) =>
        `<tr><td>${esc(b.label)}</td><td><span style="display:inline-block;background:#4a78c2;height:0.8em;width:${Math.round((b.count / max) * 200)}px"></span> ${b.count}</td></tr>`,
    )
    .join('')}</tbody></table>
</section>`;
}
