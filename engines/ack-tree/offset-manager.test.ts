import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../core/rng.ts';
import { OffsetManager } from './offset-manager.ts';
import { RetryService } from './retry-service.ts';

function fakeClock(start = 0) {
  const clock = { now: start, nowMs: () => clock.now };
  return clock;
}

function emitAll(om: OffsetManager, offsets: number[]): void {
  for (const o of offsets) om.emitted(o);
}

describe('OffsetManager', () => {
  it('commits only the contiguous acked prefix', () => {
    const om = new OffsetManager(0);
    expect(om.commitCandidate()).toBeUndefined();
    emitAll(om, [0, 1, 2, 3, 4]);
    for (const o of [0, 1, 3]) expect(om.acked(o)).toBe(true);
    expect(om.commitCandidate()).toBe(2);
    om.acked(2);
    expect(om.commitCandidate()).toBe(4);
    expect(om.committed(4)).toBe(true);
    expect(om.committedOffset()).toBe(4);
    expect(om.commitCandidate()).toBeUndefined();
    expect(om.uncommittedCount()).toBe(1);
    om.acked(4);
    expect(om.commitCandidate()).toBe(5);
  });

  it('never lets the committed offset decrease, and refuses to commit past the acked prefix', () => {
    const om = new OffsetManager(0);
    emitAll(om, [0, 1, 2, 3]);
    om.acked(0);
    om.acked(1);
    om.acked(3);
    expect(om.committed(1)).toBe(true); // a smaller commit inside the prefix is fine
    expect(om.committed(2)).toBe(true);
    expect(om.committed(1)).toBe(false); // a late confirmation of an earlier async commit
    expect(om.committed(2)).toBe(false);
    expect(om.committedOffset()).toBe(2);
    expect(() => om.committed(3)).toThrow(/past the acked prefix/);
    expect(om.committedOffset()).toBe(2);
  });

  it('schedules failed offsets for retry and emits only what needs it', () => {
    const om = new OffsetManager(0);
    emitAll(om, [0, 1, 2, 3, 4, 5]);
    om.acked(0);
    om.acked(3);
    expect(om.failed(2)).toBe('retry');
    expect(om.failed(4)).toBe('retry');
    expect([om.nextRetry(), om.retryOffsets()]).toEqual([2, [2, 4]]);
    expect([1, 2, 3, 4, 6].map((o) => om.isScheduledForRetry(o))).toEqual([false, true, false, true, false]);
    expect(om.inFlightCount()).toBe(2);
    // The spout seeks back to 2 and reads forward: acked (3) and in-flight (5) offsets are skipped, 6 is new.
    const reread = [2, 3, 4, 5, 6, 7].filter((o) => om.shouldEmit(o));
    expect(reread).toEqual([2, 4, 6, 7]);
    expect([om.shouldEmit(0), om.shouldEmit(1)]).toEqual([false, false]);
    om.emitted(2);
    expect([om.nextRetry(), om.retryOffsets(), om.shouldEmit(2), om.isScheduledForRetry(2)]).toEqual([
      4,
      [4],
      false,
      false,
    ]);
    expect(() => om.emitted(2)).toThrow(/must not be emitted/);
    expect(() => om.emitted(3)).toThrow(/must not be emitted/);
    om.acked(1);
    expect(om.commitCandidate()).toBe(2); // 2 is out again: its retry blocks the commit
    om.acked(2);
    expect(om.commitCandidate()).toBe(4);
    om.emitted(4);
    om.acked(4);
    om.acked(5);
    expect([om.commitCandidate(), om.nextRetry()]).toEqual([6, undefined]);
  });

  it('ignores acks and fails for offsets not in flight, as KafkaSpout does', () => {
    const om = new OffsetManager(0);
    emitAll(om, [0, 1]);
    expect([om.acked(9), om.failed(9)]).toEqual([false, 'ignored']);
    om.failed(1);
    expect([om.acked(1), om.failed(1)]).toEqual([false, 'ignored']); // scheduled for retry, not in flight
    om.acked(0);
    expect([om.acked(0), om.failed(0)]).toEqual([false, 'ignored']);
    expect([om.commitCandidate(), om.retryOffsets()]).toEqual([1, [1]]);
  });

  it('re-emits a failed offset only once its back-off has passed: 0 ms after the 1st fail, 4 ms after the 2nd, 8 ms after the 3rd', () => {
    const clock = fakeClock(100);
    const om = new OffsetManager(0, { partition: 3, retry: new RetryService({ clock }) });
    emitAll(om, [0, 1, 2, 3]);
    om.acked(0);
    const readyAfter: number[] = [];
    for (let fail = 1; fail <= 3; fail++) {
      expect(om.failed(2)).toBe('retry');
      const failedAt = clock.now;
      // Before its time the spout neither seeks back to it nor emits it when it reads past it.
      while (!om.shouldEmit(2)) {
        expect([om.nextRetry(), om.isScheduledForRetry(2), om.retryOffsets()]).toEqual([
          undefined,
          true,
          [2],
        ]);
        clock.now += 1;
      }
      readyAfter.push(clock.now - failedAt);
      expect(om.nextRetry()).toBe(2);
      om.emitted(2);
      expect([om.isScheduledForRetry(2), om.failCount(2)]).toEqual([false, fail]);
      clock.now += 10;
    }
    expect(readyAfter).toEqual([0, 4, 8]);
    om.acked(2);
    om.acked(1);
    expect(om.commitCandidate()).toBe(3);
  });

  it('after maxRetries, gives an offset up and treats it as acked', () => {
    const om = new OffsetManager(0, { retry: new RetryService({ maxRetries: 1 }) });
    om.emitted(0);
    expect(om.failed(0)).toBe('retry');
    om.emitted(0);
    expect(om.failed(0)).toBe('gave-up');
    expect([om.isAcked(0), om.shouldEmit(0), om.nextRetry(), om.commitCandidate()]).toEqual([
      true,
      false,
      undefined,
      1,
    ]);
    const never = new OffsetManager(0, { retry: new RetryService({ maxRetries: 0 }) });
    never.emitted(0);
    expect(never.failed(0)).toBe('gave-up');
  });

  it('starts from the committed offset of a previous run', () => {
    const om = new OffsetManager(100);
    expect([om.committedOffset(), om.shouldEmit(99), om.shouldEmit(100), om.isAcked(99)]).toEqual([
      100,
      false,
      true,
      true,
    ]);
    expect(() => om.emitted(99)).toThrow(/must not be emitted/);
    om.emitted(100);
    om.acked(100);
    expect(om.commitCandidate()).toBe(101);
    expect(() => new OffsetManager(-1)).toThrow(RangeError);
  });

  it('skips offsets absent from the log (never emitted below an emitted one), as Storm does', () => {
    const om = new OffsetManager(10);
    emitAll(om, [12, 13, 15]); // 10, 11, 14: transaction markers or compacted away
    om.acked(12);
    om.acked(15);
    expect(om.commitCandidate()).toBe(13);
    om.acked(13);
    expect(om.commitCandidate()).toBe(16);
    om.committed(16);
    expect(om.uncommittedCount()).toBe(0);
  });

  it('purges acked and retry state below a commit', () => {
    const om = new OffsetManager(0);
    emitAll(om, [0, 1, 2]);
    om.acked(0);
    om.acked(1);
    om.failed(2);
    om.committed(2);
    expect([om.uncommittedCount(), om.retryOffsets(), om.isAcked(1), om.shouldEmit(2)]).toEqual([
      1,
      [2],
      true,
      true,
    ]);
  });
});

/** The contiguous-acked-prefix rule stated over the log itself: walk existing offsets from `committed`. */
function referenceCandidate(log: number[], acked: Set<number>, committed: number): number | undefined {
  let candidate: number | undefined;
  for (const o of log) {
    if (o < committed) continue;
    if (!acked.has(o)) break;
    candidate = o + 1;
  }
  return candidate;
}

function pick<T>(rng: Rng, xs: Iterable<T>): T | undefined {
  const a = [...xs];
  return a.length === 0 ? undefined : a[rng.int(a.length)];
}

describe('OffsetManager: random runs', () => {
  it('a commit candidate c means every offset below c was acked; committed never decreases; all is committed at the end', () => {
    const rng = createRng('offset-manager');
    let restarts = 0;
    let staleConfirmations = 0;
    for (let c = 0; c < 200; c++) {
      const start = rng.int(5);
      const end = start + 20 + rng.int(60);
      const gaps = c % 2 === 1;
      const log: number[] = [];
      for (let o = start; o < end; o++) if (!gaps || o === end - 1 || rng.next() > 0.15) log.push(o);
      const nextInLog = (pos: number) => log.find((o) => o >= pos);

      // Storm's back-off on a clock that moves 1 ms a step: retries wait 0, 4, 8 … ms, at most 10 s.
      const clock = fakeClock();
      const newManager = (from: number) => new OffsetManager(from, { retry: new RetryService({ clock }) });
      let om = newManager(start);
      let pos = start;
      const flying = new Set<number>();
      let ackedNow = new Set<number>(); // acked by the current incarnation of the spout
      const everAcked = new Set<number>();
      let commits: number[] = []; // candidates sent to Kafka, confirmed in random order
      let committed = start;

      for (let step = 0; step < 600; step++) {
        clock.now += 1;
        const r = rng.next();
        if (r < 0.4) {
          const retry = om.nextRetry();
          if (retry !== undefined && rng.next() < 0.3) pos = retry; // seek back
          const o = nextInLog(pos);
          if (o === undefined) continue;
          pos = o + 1;
          if (om.shouldEmit(o)) {
            om.emitted(o);
            flying.add(o);
          }
        } else if (r < 0.8) {
          const o = pick(rng, flying);
          if (o === undefined) continue;
          flying.delete(o);
          if (r < 0.65) {
            expect(om.acked(o)).toBe(true);
            ackedNow.add(o);
            everAcked.add(o);
          } else {
            expect(om.failed(o)).toBe('retry');
          }
        } else if (r < 0.97) {
          const candidate = om.commitCandidate();
          expect(candidate).toBe(referenceCandidate(log, ackedNow, committed));
          if (candidate !== undefined) {
            const unacked = log.filter((o) => o < candidate && !everAcked.has(o));
            expect(unacked).toEqual([]);
            commits.push(candidate);
          }
          const i = rng.int(commits.length + 1);
          if (i < commits.length) {
            const [confirmed] = commits.splice(i, 1);
            const advanced = om.committed(confirmed!);
            expect(advanced).toBe(confirmed! > committed);
            if (!advanced) staleConfirmations++;
            expect(om.committedOffset()).toBe(Math.max(committed, confirmed!));
            committed = om.committedOffset();
          }
        } else {
          // The spout's worker dies: a new one resumes from the committed offset; acks in flight are lost.
          restarts++;
          om = newManager(committed);
          pos = committed;
          flying.clear();
          ackedNow = new Set();
          commits = [];
        }
        let emittable = 0;
        for (const o of flying) if (om.shouldEmit(o)) emittable++;
        for (const o of ackedNow) if (o >= committed && om.shouldEmit(o)) emittable++;
        if (emittable > 0)
          expect.fail(`step ${step}: ${emittable} in-flight or acked offsets would be emitted again`);
      }

      // Drain: once every back-off has passed, re-read from the earliest retry (or the position), ack all, commit.
      clock.now += 10_000;
      for (let round = 0; round < 3; round++) {
        pos = Math.min(pos, om.nextRetry() ?? pos);
        for (let o = nextInLog(pos); o !== undefined; o = nextInLog(o + 1)) {
          if (om.shouldEmit(o)) {
            om.emitted(o);
            flying.add(o);
          }
        }
        pos = end;
        for (const o of flying) {
          om.acked(o);
          ackedNow.add(o);
        }
        flying.clear();
      }
      expect([om.nextRetry(), om.inFlightCount()]).toEqual([undefined, 0]);
      const last = om.commitCandidate();
      if (committed < end) {
        expect(last).toBe(end);
        om.committed(end);
      } else {
        expect(last).toBeUndefined();
      }
      expect([om.committedOffset(), om.uncommittedCount()]).toEqual([end, 0]);
    }
    expect(restarts).toBeGreaterThan(50);
    expect(staleConfirmations).toBeGreaterThan(50);
  });
});
