import { describe, expect, it } from 'vitest';
import type { EventType } from '../core/events.ts';
import type { RecoveryEntry } from '../harness/index.ts';
import { groupRuns } from './aggregate.ts';
import { handMadeRun, killAt, WORKERS } from './fixtures/hand-made-runs.ts';
import type { LoadedRun } from './load.ts';
import { excludedText, markdownTable, mdCell, renderMarkdown } from './markdown.ts';
import { buildReportModel } from './report-model.ts';
import { tradeoffTable } from './tradeoff-table.ts';

/** The data rows of a Markdown table as cells (label first). */
function rows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .slice(2)
    .map((line) =>
      line
        .slice(2, -2)
        .split(' | ')
        .map((c) => c.trim()),
    );
}

const COLUMN = {
  runs: 1,
  lost: 2,
  duplicated: 3,
  incorrect: 4,
  p50: 5,
  p99: 6,
  p999: 7,
  max: 8,
  throughput: 9,
  recovery: 10,
  blastRadius: 11,
  replayed: 12,
  verdict: 13,
  horizon: 14,
  cpu: 15,
};

function table(runs: LoadedRun[]): string[][] {
  const [scenario] = groupRuns(runs);
  return rows(markdownTable(tradeoffTable(scenario!.groups)));
}

describe('the tradeoff table', () => {
  const kill = [killAt(13)];
  const runs = () => [
    handMadeRun({
      engine: 'ack-tree',
      guarantee: 'at-least-once',
      faults: kill,
      counts: { duplicated: 400, incorrect: 12 },
      latencyMs: { p50: 40, p99: 9000, p999: 9500, max: 9800 },
      throughputPerS: 480,
      recovery: [{ fault: 'kill features[1]', detectedMs: 60, firstOutputMs: 0, recoveredMs: null }],
      blastRadius: { workersRestarted: 1, recordsReplayed: 3000 },
    }),
    handMadeRun({
      engine: 'barrier-snapshot',
      faults: kill,
      latencyMs: { p50: 650, p99: 6000, p999: 6100, max: 6200 },
      throughputPerS: 505,
      recovery: [{ fault: 'kill features[1]', detectedMs: 19, firstOutputMs: 5000, recoveredMs: 6000 }],
      blastRadius: { workersRestarted: 7 },
    }),
    handMadeRun({
      engine: 'operator-checkpoint',
      faults: kill,
      latencyMs: { p50: 650, p99: 3000, p999: 3100, max: 3200 },
      throughputPerS: 500,
      recovery: [{ fault: 'kill features[1]', detectedMs: 30, firstOutputMs: 1000, recoveredMs: 4000 }],
      blastRadius: { workersRestarted: 4 },
    }),
  ];

  it("prints each row's replay horizon, so a ranking is read against the settings behind it", () => {
    const horizon = (text: string) => ({ restorePointMs: 2000, detectionMs: 5000, text });
    const [ackTree, flink, apex] = table([
      { ...runs()[0]!, summary: { ...runs()[0]!.summary, horizon: horizon('offset commit 2 s') } },
      handMadeRun({ engine: 'barrier-snapshot', faults: kill, horizon: horizon('checkpoint 2 s') }),
      handMadeRun({ engine: 'barrier-snapshot', faults: kill, horizon: horizon('checkpoint 1 s') }),
      handMadeRun({ engine: 'operator-checkpoint', faults: kill }),
    ]);
    expect(ackTree![COLUMN.horizon]).toBe('offset commit 2 s');
    expect(flink![COLUMN.horizon]).toBe('varies: checkpoint 2 s; checkpoint 1 s');
    expect(apex![COLUMN.horizon]).toBe('—');
  });

  it('says how busy the machine was in each row, and which rows were measured on a saturated one', () => {
    const cores = { engine: 1.14, kafka: 0.26, toxiproxy: 0.21, redis: 0.03, harness: 0.33, other: 0.01 };
    const cpu = (machineBusy: number, engine = 1.14, machineSteal = 0.001) => ({
      summaryExtra: { cpu: { wallS: 34, cpus: 2, machineBusy, machineSteal, cores: { ...cores, engine } } },
    });
    const [ackTree, flink, apex] = table([
      handMadeRun({ engine: 'ack-tree', guarantee: 'at-least-once', faults: kill, ...cpu(0.991) }),
      handMadeRun({ engine: 'barrier-snapshot', faults: kill, ...cpu(0.93, 0.8) }),
      handMadeRun({ engine: 'barrier-snapshot', faults: kill, ...cpu(0.97, 1.0, 0.04) }),
      handMadeRun({ engine: 'barrier-snapshot', faults: kill, ...cpu(0.95, 0.9) }),
      handMadeRun({ engine: 'operator-checkpoint', faults: kill }),
    ]);
    expect(ackTree![COLUMN.cpu]).toBe('99 % · engine 1.14 (saturated)');
    // Repeats: the range of the busy shares, the most stolen, the median of the engine's cores, how many saturated.
    expect(flink![COLUMN.cpu]).toBe('93–97 % (≤ 4 % stolen) · engine 0.90 (saturated 2/3)');
    // A summary without an account (older, or no /proc): nothing to say.
    expect(apex![COLUMN.cpu]).toBe('—');
    const [quiet] = table([handMadeRun({ engine: 'ack-tree', faults: kill, ...cpu(0.69, 0.68) })]);
    expect(quiet![COLUMN.cpu]).toBe('69 % · engine 0.68');
  });

  it('marks the lowest value of a column in bold, all of them on a tie', () => {
    const [ackTree, flink, apex] = table(runs());
    expect(ackTree![0]).toBe('ack-tree · at-least-once');
    expect(ackTree![COLUMN.p50]).toBe('**40.0**');
    expect(flink![COLUMN.p50]).toBe('650');
    expect(apex![COLUMN.p99]).toBe('**3,000**');
    expect(flink![COLUMN.duplicated]).toBe('**0**');
    expect(apex![COLUMN.duplicated]).toBe('**0**');
    expect(ackTree![COLUMN.duplicated]).toBe('400');
    expect(flink![COLUMN.replayed]).toBe('**0**');
  });

  it('marks the highest throughput and the smallest blast radius', () => {
    const [ackTree, flink, apex] = table(runs());
    expect(flink![COLUMN.throughput]).toBe('**505 (500)**');
    expect(apex![COLUMN.throughput]).toBe('500 (500)');
    expect(ackTree![COLUMN.blastRadius]).toBe('**1/7**');
    expect(flink![COLUMN.blastRadius]).toBe('7/7');
  });

  it('ranks "never recovered" below any recovery time', () => {
    const [ackTree, flink, apex] = table(runs());
    expect(ackTree![COLUMN.recovery]).toBe('never (no healthy window)');
    expect(flink![COLUMN.recovery]).toBe('6.0 s');
    expect(apex![COLUMN.recovery]).toBe('**4.0 s**');
  });

  /** Rows of one ack-tree run with `single`, and of operator-checkpoint runs recovered in 4 s and 5 s plus `more`. */
  const recoveryRows = (single: RecoveryEntry, more: RecoveryEntry[]) =>
    table([
      handMadeRun({ engine: 'ack-tree', guarantee: 'at-least-once', faults: kill, recovery: [single] }),
      ...[4000, 5000].map((recoveredMs) =>
        handMadeRun({
          engine: 'operator-checkpoint',
          faults: kill,
          recovery: [{ fault: 'kill features[1]', detectedMs: 30, firstOutputMs: 1000, recoveredMs }],
        }),
      ),
      ...more.map((entry) => handMadeRun({ engine: 'operator-checkpoint', faults: kill, recovery: [entry] })),
    ]);

  it('prints a censored recovery as a lower bound, "> N s (load ended)", never as "never"', () => {
    const censored = {
      fault: 'kill features[1]',
      detectedMs: 20,
      firstOutputMs: 5000,
      recoveredMs: null,
      censored: 'load ended 9.8 s after the fault',
      censoredMs: 9800,
    };
    const rows = recoveryRows(censored, [censored]);
    expect(rows[0]![COLUMN.recovery]).toBe('> 9.8 s (load ended)');
    expect(rows[1]![COLUMN.recovery]).toBe('**4.5 s [4.0 s–5.0 s], 1× > 9.8 s (load ended)**');
  });

  it('prints a recovery the run could not decide as "unknown (why)", and counts it apart from "never"', () => {
    const undecided = {
      fault: 'kill features[1]',
      detectedMs: 20,
      firstOutputMs: 5000,
      recoveredMs: null,
      undecided:
        "records intended before the fault were not read by the run's end, which does not show they never arrive: the drain reached its cap (30000 ms) while output was still arriving",
    };
    const never = { ...undecided, undecided: undefined, reason: 'backlog never delivered: …' };
    const rows = recoveryRows(undecided, [undecided, never]);
    expect(rows[0]![COLUMN.recovery]).toBe(`unknown (${undecided.undecided})`);
    expect(rows[1]![COLUMN.recovery]).toContain(', 1× never, 1× unknown (drain ended too soon to tell)');
    const unjudged = {
      ...never,
      reason: undefined,
      unjudged: 'no pre-fault baseline: no output in the 10 s before the fault',
    };
    const withBaseline = recoveryRows(undecided, [undecided, unjudged]);
    expect(withBaseline[1]![COLUMN.recovery]).toContain(
      '2× unknown (drain ended too soon to tell; no pre-fault baseline)',
    );
  });

  it('marks no recovery best while another row could be lower: censored below it, or unknown', () => {
    const measured = (recoveredMs: number) => ({
      fault: 'kill features[1]',
      detectedMs: 30,
      firstOutputMs: 1000,
      recoveredMs,
    });
    const lowerBound = (ms: number) => ({
      ...measured(0),
      recoveredMs: null,
      censored: `load ended ${ms / 1000} s after the fault`,
      censoredMs: ms,
    });
    const unknown = {
      ...measured(0),
      recoveredMs: null,
      undecided: 'records … were not read by the run’s end',
    };
    const rows = (other: RecoveryEntry) =>
      table([
        handMadeRun({ engine: 'operator-checkpoint', faults: kill, recovery: [measured(4000)] }),
        handMadeRun({ engine: 'ack-tree', guarantee: 'at-least-once', faults: kill, recovery: [other] }),
      ]);
    // At least 9.8 s: certainly slower than 4.0 s, so 4.0 s is best.
    expect(rows(lowerBound(9800)).map((r) => r[COLUMN.recovery])).toContain('**4.0 s**');
    // At least 2.0 s: it may have been faster than 4.0 s. Unknown: anything.
    expect(rows(lowerBound(2000)).map((r) => r[COLUMN.recovery])).toContain('4.0 s');
    expect(rows(unknown).map((r) => r[COLUMN.recovery])).toContain('4.0 s');
    // Never: slower than any time.
    expect(
      rows({ ...measured(0), recoveredMs: null, reason: 'backlog never delivered: …' }).map(
        (r) => r[COLUMN.recovery],
      ),
    ).toContain('**4.0 s**');
  });

  it('marks nothing in a column where every row ties', () => {
    for (const row of table(runs())) expect(row[COLUMN.lost]).toBe('0');
  });

  it('shows "—" for recovery without faults and repeats as median [lo–hi]', () => {
    const repeats = [300, 100, 200].map((p99) => handMadeRun({ latencyMs: { p99 } }));
    const [row] = table([
      ...repeats,
      handMadeRun({ engine: 'ack-tree', guarantee: 'at-least-once', latencyMs: { p99: 50 } }),
    ]).filter((r) => r[0]!.startsWith('barrier'));
    expect(row![COLUMN.runs]).toBe('3');
    expect(row![COLUMN.p99]).toBe('200 [100–300]');
    expect(row![COLUMN.recovery]).toBe('—');
    expect(row![COLUMN.verdict]).toBe('held 3/3');
  });

  it('escapes what would break a cell', () => {
    expect(mdCell('link:source[*]->a|b')).toBe('link:source[\\*]->a\\|b');
  });
});

describe('renderMarkdown', () => {
  it('has a section per scenario, the claims with verdicts and rules, the environment and the runs', () => {
    const runs = [
      handMadeRun({
        engine: 'barrier-snapshot',
        faults: [killAt(13)],
        blastRadius: { workersRestarted: 7 },
        events: [
          [13.02, 'failure.detected', 'coordinator'],
          ...WORKERS.map((w): [number, EventType, string] => [14, 'worker.restarted', w]),
        ],
      }),
      handMadeRun({ engine: 'barrier-snapshot' }),
    ];
    const model = buildReportModel(
      {
        runs,
        skipped: [{ path: '/r/x', reason: 'no summary.json: the run did not finish' }],
        matrices: [],
        soaks: [],
      },
      { inputs: ['results/'], reportDir: '/r', now: new Date('2026-01-01T00:00:00Z') },
    );
    const md = renderMarkdown(model);
    expect(md).toContain('## Scenario: steady');
    expect(md).toContain('## Scenario: kill-worker');
    expect(md.indexOf('## Scenario: steady')).toBeLessThan(md.indexOf('## Scenario: kill-worker'));
    expect(md).toContain('Faults (seconds from run start): kill features[1] at 13 s.');
    expect(md).toContain(
      '| Flink: failures affect the entire topology | 1 run: restarted/total 7/7 | **confirmed** |',
    );
    expect(md).toContain(
      '| Flink: exactly-once, lightweight failure handling | exactly-once under failures (confirmed): 2 exactly-once runs ' +
        '(1 with an injected fault the engine failed over from)',
    );
    expect(md).toContain(
      `checkpoint overhead: not measured, needs fault-free barrier-snapshot at-least-once runs at the same rate with ` +
        `-o checkpointIntervalMs=0 and with checkpoints, 3 of each (the plain sink: the transactional one commits only on checkpoints) ` +
        `(left out 1 run: checkpointIntervalMs 1000 but no checkpoint completed (${runs[1]!.summary.runId}))`,
    );
    expect(md).toContain('**confirmed (1 of 2 parts measured)**');
    expect(md).toContain(
      '| Apex: most robust, only affected operators recover | only the affected part restarts: not measured',
    );
    expect(md).toContain('### How the verdicts are decided');
    expect(md).toContain('| gitSha | abc123 |');
    expect(md).toContain(
      `| ${runs[0]!.summary.runId} | kill-worker | barrier-snapshot | exactly-once | 500 | 20 |`,
    );
    expect(md).toContain('- x: no summary.json: the run did not finish');
  });

  it("names each run's model in the runs table, a dash for runs that did not record one", () => {
    const withModel = handMadeRun();
    withModel.summary.model = {
      path: '/repo/results/models/titanic-h2o-glm.model.json',
      trainer: 'h2o-glm',
      kind: 'logistic-regression',
      h2oVersion: '3.44.0.1',
    };
    const without = handMadeRun();
    const md = renderMarkdown(
      buildReportModel(
        { runs: [withModel, without], skipped: [], matrices: [], soaks: [] },
        { inputs: ['results/'], reportDir: '/r', now: new Date('2026-01-01T00:00:00Z') },
      ),
    );
    expect(md).toContain('| engine options | model | faults |');
    expect(md).toMatch(
      new RegExp(`\\| ${withModel.summary.runId} \\|.*\\| h2o-glm · titanic-h2o-glm\\.model\\.json \\|`),
    );
    expect(md).toMatch(new RegExp(`\\| ${without.summary.runId} \\|.*\\| — \\| — \\|`));
  });

  it('lists the runs a claim left out, grouped by why, a few ids each', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    expect(
      excludedText([
        ...ids.map((runId) => ({ runId, reasons: ['no fault injected'] })),
        { runId: 'f', reasons: ['verdict unknown', 'nothing produced'] },
      ]),
    ).toBe('left out 6 runs: no fault injected (a, b, c and 2 more); verdict unknown, nothing produced (f)');
  });
});
