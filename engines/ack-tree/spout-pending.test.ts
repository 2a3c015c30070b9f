import { describe, expect, it } from 'vitest';
import { SpoutPending } from './spout-pending.ts';

function fakeClock(start = 1_000) {
  const clock = { now: start, nowMs: () => clock.now };
  return clock;
}

describe('SpoutPending', () => {
  it('returns the message and its emit time on ack, once', () => {
    const clock = fakeClock();
    const p = new SpoutPending<string>({ clock });
    p.emit(1n, 'offset-0');
    clock.now += 5;
    p.emit(2n, 'offset-1');
    expect(p.size()).toBe(2);
    expect(p.ack(1n)).toEqual({ root: 1n, msg: 'offset-0', emittedAtMs: 1_000 });
    expect(p.ack(1n)).toBeUndefined();
    expect(p.fail(2n)).toEqual({ root: 2n, msg: 'offset-1', emittedAtMs: 1_005, reason: 'explicit' });
    expect(p.fail(2n)).toBeUndefined();
    expect(p.size()).toBe(0);
  });

  it('times a tuple out on the 2nd rotation after its emit (T..2T), wherever it fell between ticks', () => {
    const clock = fakeClock(0);
    const p = new SpoutPending<string>({ clock });
    // Ticks every T = 10 at t = 10, 20, 30; emits at t = 1 and t = 9 both time out at t = 20: after 19 and 11.
    clock.now = 1;
    p.emit(1n, 'early');
    clock.now = 9;
    p.emit(2n, 'late');
    expect(p.rotate()).toEqual([]);
    clock.now = 12;
    p.emit(3n, 'next');
    expect(p.rotate()).toEqual([
      { root: 1n, msg: 'early', emittedAtMs: 1, reason: 'timeout' },
      { root: 2n, msg: 'late', emittedAtMs: 9, reason: 'timeout' },
    ]);
    expect(p.has(3n)).toBe(true);
    expect(p.rotate()).toEqual([{ root: 3n, msg: 'next', emittedAtMs: 12, reason: 'timeout' }]);
  });

  it('ignores an ACK or FAIL that arrives after the timeout', () => {
    const p = new SpoutPending<number>({ clock: fakeClock() });
    p.emit(7n, 0);
    p.rotate();
    expect(p.rotate().map((t) => t.root)).toEqual([7n]);
    expect(p.ack(7n)).toBeUndefined();
    expect(p.fail(7n)).toBeUndefined();
    expect(p.size()).toBe(0);
  });

  it('respects max.spout.pending; undefined or 0 is unbounded', () => {
    const p = new SpoutPending<number>({ clock: fakeClock() });
    const max = 3;
    let emitted = 0;
    for (let i = 0; i < 10; i++) {
      if (p.canEmit(max)) p.emit(BigInt(++emitted), i);
    }
    expect([emitted, p.size(), p.canEmit(max)]).toEqual([3, 3, false]);
    p.ack(2n);
    expect(p.canEmit(max)).toBe(true);
    expect([p.canEmit(), p.canEmit(0), p.canEmit(1)]).toEqual([true, true, false]);
    expect(() => p.canEmit(-1)).toThrow(RangeError);
  });

  it('refuses a root that is already pending', () => {
    const p = new SpoutPending<number>({ clock: fakeClock() });
    p.emit(1n, 0);
    expect(() => p.emit(1n, 1)).toThrow(/already pending/);
  });
});
