import { describe, expect, it } from 'vitest';
import { RetryService, retryDelayMs, STORM_RETRY_BACKOFF } from './retry-service.ts';

function fakeClock(start = 1_000) {
  const clock = { now: start, nowMs: () => clock.now };
  return clock;
}

const rec = (offset: number, partition = 0) => ({ partition, offset });

describe('retryDelayMs (KafkaSpoutRetryExponentialBackoff.nextTime)', () => {
  it("Storm's defaults: 0 ms for the first fail, then 2 ms · 2^(n−1), capped at 10 s from the 14th fail", () => {
    const delays = Array.from({ length: 16 }, (_, i) => retryDelayMs(i + 1, STORM_RETRY_BACKOFF));
    expect(delays).toEqual([
      0, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 10_000, 10_000, 10_000,
    ]);
    expect(retryDelayMs(1_000_000, STORM_RETRY_BACKOFF)).toBe(10_000);
  });

  it('the initial delay applies to the first fail only; the cap applies to every fail', () => {
    const b = { initialDelayMs: 300, delayPeriodMs: 50, maxDelayMs: 1_000, maxRetries: null };
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(n, b))).toEqual([300, 100, 200, 400, 800, 1_000]);
    expect(retryDelayMs(1, { ...b, initialDelayMs: 5_000 })).toBe(1_000);
    expect(() => retryDelayMs(0, b)).toThrow(RangeError);
  });
});

describe('RetryService', () => {
  it('one message failing again and again is ready only when its back-off has passed, never at once', () => {
    const clock = fakeClock();
    const retry = new RetryService({ clock });
    const m = rec(7);
    const readyAfter: number[] = [];
    for (let fails = 1; fails <= 15; fails++) {
      const failedAt = clock.now;
      expect(retry.schedule(m, fails)).toBe(true);
      const wait = retry.retryTimeMs(m)! - failedAt;
      if (wait > 0) {
        // Not a moment early: the spout skips it when it reads it, and does not seek back to it.
        clock.now = failedAt + wait - 1;
        expect([retry.isReady(m), retry.earliestRetriableOffsets().size]).toEqual([false, 0]);
      }
      clock.now = failedAt + wait;
      expect([retry.isReady(m), retry.earliestRetriableOffsets()]).toEqual([true, new Map([[0, 7]])]);
      readyAfter.push(wait);
      // The spout emits it again: the schedule goes; the tuple fails again a little later.
      expect(retry.remove(m)).toBe(true);
      expect(retry.isScheduled(m)).toBe(false);
      clock.now += 3;
    }
    expect(readyAfter).toEqual([0, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 10_000, 10_000]);
  });

  it('caps every wait at maxDelay, whatever the settings', () => {
    const clock = fakeClock(0);
    const retry = new RetryService({ clock, initialDelayMs: 50, delayPeriodMs: 100, maxDelayMs: 500 });
    const waits = [1, 2, 3, 4, 5].map((n) => {
      retry.schedule(rec(1), n);
      return retry.retryTimeMs(rec(1))! - clock.now;
    });
    expect(waits).toEqual([50, 200, 400, 500, 500]);
    expect(retry.size()).toBe(1); // a record has at most one schedule
  });

  it('gives a message up once it has failed more than maxRetries times (the spout then acks it: lost)', () => {
    const clock = fakeClock();
    const retry = new RetryService({ clock, maxRetries: 2 });
    expect([1, 2].map((n) => retry.schedule(rec(3), n))).toEqual([true, true]);
    retry.remove(rec(3));
    expect(retry.schedule(rec(3), 3)).toBe(false);
    expect([retry.isScheduled(rec(3)), retry.size()]).toEqual([false, 0]);
    const never = new RetryService({ clock, maxRetries: 0 });
    expect(never.schedule(rec(3), 1)).toBe(false);
    // Storm's default (Integer.MAX_VALUE): retry forever, at the capped delay.
    const forever = new RetryService({ clock });
    expect(forever.schedule(rec(3), 1_000_000)).toBe(true);
    expect(forever.retryTimeMs(rec(3))).toBe(clock.now + 10_000);
  });

  it('seeks each partition back to its earliest ready offset; offsets not ready are left for later', () => {
    const clock = fakeClock(0);
    const retry = new RetryService({ clock, initialDelayMs: 0, delayPeriodMs: 10 });
    retry.schedule(rec(20, 0), 1); // ready at 0
    retry.schedule(rec(5, 0), 3); // ready at 40
    retry.schedule(rec(9, 1), 2); // ready at 20
    retry.schedule(rec(12, 1), 1); // ready at 0
    expect(retry.earliestRetriableOffsets()).toEqual(
      new Map([
        [0, 20],
        [1, 12],
      ]),
    );
    expect(retry.readyMessageCount()).toBe(2);
    expect([retry.isReady(rec(5, 0)), retry.isReady(rec(20, 0)), retry.isReady(rec(20, 1))]).toEqual([
      false,
      true,
      false,
    ]);
    clock.now = 20;
    expect(retry.earliestRetriableOffsets().get(1)).toBe(9);
    expect(retry.readyMessageCount()).toBe(3);
    clock.now = 40;
    expect(retry.earliestRetriableOffsets().get(0)).toBe(5);
    expect([retry.scheduledOffsets(0), retry.scheduledOffsets(1)]).toEqual([
      [5, 20],
      [9, 12],
    ]);
    expect(retry.remove(rec(99))).toBe(false);
  });

  it('refuses settings Storm could not mean', () => {
    expect(() => new RetryService({ delayPeriodMs: -1 })).toThrow(RangeError);
    expect(() => new RetryService({ maxDelayMs: Number.NaN })).toThrow(RangeError);
    expect(() => new RetryService({ maxRetries: 1.5 })).toThrow(RangeError);
    expect(new RetryService({ maxRetries: undefined }).backoff).toEqual(STORM_RETRY_BACKOFF);
  });
});
