/**
 * ack-tree (Apache Storm's design) on real Kafka, Redis and Toxiproxy, with Storm's timeouts scaled down:
 * no faults → exact; a killed worker → replays (at-least-once: nothing lost, duplicates) or losses
 * (at-most-once: nothing duplicated); a worker paused past the message timeout → replays.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runScenario } from '../harness/runner.ts';
import { expectKillContract, expectSteadyContract, leftoversOf } from './contract-checks.ts';
import { runEvents, runEvidence, scaledAckTree, testScenario } from './helpers.ts';

const infra = inject('infra');
const out = mkdtempSync(join(tmpdir(), 'faultline-ack-tree-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const T = 3; // message timeout, seconds (Storm: 30)
const scaled = scaledAckTree(T);
/** Per spout task: ~5 s of its 100/s (KILL_RATE / 2), well above what is in flight on a healthy run (p99 well under 1 s). */
const KILL_MAX_SPOUT_PENDING = 500;
/**
 * The at-least-once kill test's rate: half the other tests', so that the host has room to catch up on the replays.
 * Recovery needs 5 s at the target rate with p99 within 2× the pre-fault p99, which a host running at its limit
 * before the fault cannot give. 2026-12-05 (ack-tree alone, proxied, 15 s steady): the machine 69 % busy at 50/s,
 * 93 % at 100/s, 99–100 % from 200/s (the engine 1.1–1.3 cores: a message per tuple hop and per ack); p99 120 ms at
 * 100/s, 597 ms at 400/s, 4.5 s at 800/s. This test at 400/s failed 1 CI run in 3 there: the host already at p99
 * 0.3–1.2 s before the kill, output after the replays no faster than the load (~390/s), p99 2–3 s to the end. At
 * 400/s alone it recovered 12.0, 20.0 and 18.0 s after the kill (2-9 s after the last replay, whenever the latency
 * settled); at 200/s 14.0, 12.0 and 11.9 s (1-3 s after the last replay), output never stopped, p50 under 0.5 s but
 * for one second of one run: recovery then waits for the replays, which is what this test is about.
 */
const KILL_RATE = 200;

type ScenarioOpts = NonNullable<Parameters<typeof testScenario>[2]>;
const scenario = (name: string, faults: string, opts: ScenarioOpts = {}) =>
  testScenario(name, faults, { duration: 16, ...opts });

const events = runEvents;

/** A run with `features[1]` SIGKILLed 4 s in. */
const killFeatures1 = (
  name: string,
  guarantee: 'at-least-once' | 'at-most-once',
  engineOptions: Record<string, unknown>,
  opts: ScenarioOpts = {},
) =>
  runScenario({
    engine: 'ack-tree',
    guarantee,
    scenario: scenario(name, '\n  - { kind: kill, target: "features[1]", at: 4s }', opts),
    engineOptions,
    outDir: out,
    infra,
  });

describe('ack-tree', () => {
  it('no faults: nothing lost, duplicated or incorrect; every tuple tree completes', async () => {
    const run = await runScenario({
      engine: 'ack-tree',
      scenario: scenario('steady', '', { duration: 8 }),
      engineOptions: scaled,
      outDir: out,
      infra,
    });
    const { summary, dir } = run;
    expect(summary.counts).toMatchObject({
      produced: 4400,
      unique: 4400,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      incorrect: 0,
    });
    expect(summary.blastRadius).toEqual({
      workersTotal: 7,
      workersRestarted: 0,
      recordsReplayed: 0,
      restartedWorkers: [],
    });
    expect(events(dir).filter((e) => e.type === 'tuple.timeout')).toEqual([]);
    await expectSteadyContract('ack-tree · at-least-once', run, infra);
  });

  it('max.spout.pending under more load than it lets through: pending per spout task never exceeds it, nothing times out', async () => {
    const maxSpoutPending = 5;
    const { summary, dir } = await runScenario({
      engine: 'ack-tree',
      scenario: scenario('max-pending', '', { duration: 6 }),
      engineOptions: { ...scaled, maxSpoutPending },
      outDir: out,
      infra,
    });
    expect(summary.counts).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
    // The backlog waits in Kafka, not in flight: tuple trees complete well within the timeout.
    expect(events(dir).filter((e) => e.type === 'tuple.timeout')).toEqual([]);
    // Every spout task reports the most tuples it ever had pending with its commits: it reached the cap (each
    // Kafka fetch brings more records than 5, so the load exceeded what the cap lets through) and never passed it.
    // (No latency bound here: how far the backlog grows depends on the machine's speed.)
    const commits = events(dir).filter((e) => e.type === 'offsets.committed');
    const highWater = new Map<string, number>();
    for (const e of commits) highWater.set(String(e.worker), Number(e.pendingMax));
    expect(Object.fromEntries(highWater)).toEqual({
      'source[0]': maxSpoutPending,
      'source[1]': maxSpoutPending,
    });
  });

  it('SIGKILL of features[1], at-least-once: nothing lost, duplicates from replay, recovered only after the replays arrived', async () => {
    // Long enough after the fault for 5 s of recovered output once the replays landed. A tuple sent to
    // features[1] before its new process is up is lost too and replayed T..2T later: recovery is the restart
    // plus two or three timeouts. 2026-12-02 (probes 1.5–4 × slower than usual, 99 % busy at 400/s): the new
    // process took ~5 s to take tuples, the last replays came 10 s after the kill and it recovered at 11.0 s
    // (with 20 s of load left). CI's failures here (no figure; then 114 ids lost) were replays the spout never
    // sought back to, not the length: the spout now seeks before every fetch, as Storm seeks before every poll.
    // max.spout.pending bounds what is in flight, as a production topology sets it (Storm's default is
    // unbounded): 2026-12-05, on a host 2-3 x slower than usual, the unbounded topology never recovered within the
    // run. Every tuple slower than T timed out and was replayed on top of the load, and the replays were slow in
    // turn (timeouts per spout every 3 s: 195, 391, 498; the last replay 25.8 s after the kill, p99 still 3-7 s
    // at the end). That spiral is Storm's too (the cap is its remedy); this test is about the kill's replays.
    const run = await killFeatures1(
      'kill',
      'at-least-once',
      { ...scaled, maxSpoutPending: KILL_MAX_SPOUT_PENDING },
      { duration: 34, rate: KILL_RATE },
    );
    const { summary, dir } = run;
    expect(summary.counts.lost, runEvidence(dir)).toBe(0);
    expect(summary.counts.unexpected).toBe(0);
    expect(summary.counts.duplicated).toBeGreaterThan(0);
    expect(summary.verdict.guaranteeHeld).toBe(true);
    expect(summary.blastRadius.workersRestarted).toBe(1);
    expect(summary.blastRadius.restartedWorkers).toEqual(['features[1]']);
    expect(summary.blastRadius.recordsReplayed).toBeGreaterThan(0);
    expect(summary.faults).toHaveLength(1);
    const [recovery] = summary.recovery;
    expect(recovery?.fault).toBe('kill features[1]');
    // Lost tuples are replayed after T..2T; the supervisor's restart is quicker than that.
    expect(recovery?.detectedMs ?? Number.POSITIVE_INFINITY).toBeLessThan(2000);
    const injectedUs = summary.runStartUs + summary.faults[0]!.at * 1e6;
    const replays = events(dir).filter((e) => e.type === 'tuple.replayed' && e.at >= injectedUs);
    expect(replays.length).toBeGreaterThan(0);
    const lastReplayMs = (Math.max(...replays.map((e) => e.at)) - injectedUs) / 1000;
    // Recovery (version 3) counts only once every tuple emitted before the kill was delivered, and none emitted
    // after it is outstanding for longer than the latency bound while the window runs: after the replays, which
    // cannot come before the timeout T, and so after the last replay the spouts announced. (2026-12-06, CI:
    // version 2 said 6.0 s while two tuples sent to features[1] as it restarted were replayed at 7.8 s.) A last
    // replay of tuples delivered before (their acks lost, not they) would not hold recovery back; a kill of
    // features[1] loses the tuples themselves.
    const why = `recovery ${JSON.stringify(recovery)}, last replay ${lastReplayMs} ms\n${readFileSync(join(dir, 'timeseries.csv'), 'utf8')}\n${runEvidence(dir)}`;
    expect(recovery!.recoveredMs, why).not.toBeNull();
    expect(recovery!.recoveredMs!, why).toBeGreaterThanOrEqual(T * 1000);
    expect(recovery!.recoveredMs!, why).toBeGreaterThan(lastReplayMs);
    const types = events(dir).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['worker.failed', 'worker.restarted', 'tuple.timeout', 'tuple.replayed']),
    );
    await expectKillContract('ack-tree · at-least-once', run, infra);
  });

  it('producer batching (topology.producer.batch.size 100, flushed every 5 ms) keeps the guarantee through a kill', async () => {
    const run = await killFeatures1(
      'batched-kill',
      'at-least-once',
      { ...scaled, producerBatchSize: 100, batchFlushIntervalMs: 5 },
      { duration: 24 },
    );
    const { summary, dir } = run;
    // Replays re-apply Redis state that is not rolled back (the Storm way): incorrect outputs are expected.
    expect(summary.counts).toMatchObject({ lost: 0, unexpected: 0 });
    expect(summary.counts.duplicated).toBeGreaterThan(0);
    expect(summary.verdict.guaranteeHeld).toBe(true);
    expect(summary.blastRadius.restartedWorkers).toEqual(['features[1]']);
    // The tuples the kill lost (in flight, or waiting in a batch) time out and are replayed.
    const types = events(dir).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['worker.restarted', 'tuple.timeout', 'tuple.replayed']));
  });

  it('topology.workers=2: executors share two processes, in-memory hops between worker mates; a kill of features[1] kills its worker and every executor in it, and the replays make up for all of them', async () => {
    const run = await killFeatures1(
      'workers-kill',
      'at-least-once',
      { ...scaled, workers: 2 },
      { duration: 24 },
    );
    const { summary, dir } = run;
    expect(summary.counts.lost, runEvidence(dir)).toBe(0);
    expect(summary.counts.unexpected).toBe(0);
    expect(summary.counts.duplicated).toBeGreaterThan(0);
    expect(summary.verdict.guaranteeHeld).toBe(true);
    // Two worker processes (EvenScheduler: worker[1] runs features[1], score[1] and source[0]), not seven.
    expect(summary.blastRadius.workersTotal).toBe(2);
    expect(summary.blastRadius.restartedWorkers).toEqual(['worker[1]']);
    const evs = events(dir);
    const started = evs.filter((e) => e.type === 'worker.started').map((e) => e.worker);
    expect(started.sort()).toEqual(['coordinator', 'worker[0]', 'worker[1]']);
    // One link each way between the two workers, plus each one's coordinator, Redis and Kafka links.
    expect(evs.find((e) => e.type === 'deploy.links')?.links).toBe(2 + 4 + 4);
    expect(evs.filter((e) => e.type === 'worker.failed').map((e) => e.worker)).toEqual(['worker[1]']);
    // The spout in the killed worker (source[0]) resumed from its committed offsets; the one that lived on
    // (source[1]) replayed what its tuples lost in worker[1]'s executors. Events name the spout executor.
    const spouts = new Set(evs.filter((e) => e.type === 'offsets.committed').map((e) => e.worker));
    expect([...spouts].sort()).toEqual(['source[0]', 'source[1]']);
    expect(evs.some((e) => e.type === 'tuple.replayed')).toBe(true);
    expect(summary.recovery[0]?.fault).toBe('kill features[1]');
    expect(summary.errors ?? []).toEqual([]);
    // Teardown left nothing behind: no process of either incarnation of a worker, no topic, group or key.
    expect(await leftoversOf(infra, run)).toEqual([]);
  });

  it('SIGKILL of features[1], at-most-once: data lost, nothing duplicated', async () => {
    // Lost ids never arrive: a short drain is enough.
    const run = await killFeatures1('kill-amo', 'at-most-once', scaled, { drain: 6 });
    const { summary } = run;
    expect(summary.counts.lost).toBeGreaterThan(0);
    expect(summary.counts.duplicated).toBe(0);
    expect(summary.verdict.guaranteeHeld).toBe(true);
    expect(summary.blastRadius.recordsReplayed).toBe(0);
    await expectKillContract('ack-tree · at-most-once', run, infra);
  });

  it('SIGSTOP of score[0] for longer than the message timeout: its tuples time out and are replayed', async () => {
    const { summary, dir } = await runScenario({
      engine: 'ack-tree',
      scenario: scenario('pause', `\n  - { kind: pause, target: "score[0]", at: 4s, for: ${2 * T + 1}s }`),
      engineOptions: scaled,
      outDir: out,
      infra,
    });
    expect(summary.counts.lost).toBe(0);
    expect(summary.blastRadius.recordsReplayed).toBeGreaterThan(0);
    expect(summary.counts.duplicated).toBeGreaterThan(0);
    expect(events(dir).some((e) => e.type === 'tuple.timeout')).toBe(true);
  });
});
