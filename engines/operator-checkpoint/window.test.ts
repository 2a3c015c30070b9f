import { describe, expect, it } from 'vitest';
import {
  apexWindowId,
  formatWindowId,
  isCheckpointWindow,
  MAX_WINDOW_INDEX,
  type WindowClock,
  WindowGenerator,
  type WindowMarker,
  windowAt,
} from './window.ts';

const clock: WindowClock = { startMs: 1_700_000_000_250, widthMs: 500 };

/** The markers a generator produces when polled at the given times. */
function run(gen: WindowGenerator, times: number[]): WindowMarker[] {
  return times.flatMap((t) => gen.advance(t));
}

/**
 * PROTOCOLS.md invariant: begin/end strictly alternate and ids increase, except one rewind after a redeploy.
 * Returns the number of rewinds; throws on any other violation.
 */
function checkWindowSequence(markers: readonly WindowMarker[]): number {
  let open: number | undefined;
  let last: number | undefined;
  let rewinds = 0;
  for (const m of markers) {
    if (m.type === 'begin') {
      if (open !== undefined) throw new Error(`BEGIN(${m.w}) while ${open} is open`);
      if (last !== undefined && m.w <= last) rewinds++;
      open = m.w;
    } else {
      if (open !== m.w) throw new Error(`END(${m.w}) while ${open} is open`);
      last = m.w;
      open = undefined;
    }
  }
  return rewinds;
}

describe('window ids', () => {
  it('derive from the start time: window n covers [start + n·width, start + (n+1)·width)', () => {
    expect(windowAt(clock, clock.startMs)).toBe(0);
    expect(windowAt(clock, clock.startMs + 499)).toBe(0);
    expect(windowAt(clock, clock.startMs + 500)).toBe(1);
    expect(windowAt(clock, clock.startMs - 1)).toBe(-1);
  });

  it("compose Apex's 64-bit id: (reset seconds << 32) | index, resetting after MAX_WINDOW_ID", () => {
    const seconds = BigInt(Math.floor(clock.startMs / 1000));
    expect(apexWindowId(clock, 0)).toBe(seconds << 32n);
    expect(apexWindowId(clock, 7)).toBe((seconds << 32n) | 7n);
    expect(apexWindowId(clock, MAX_WINDOW_INDEX)).toBe((seconds << 32n) | BigInt(MAX_WINDOW_INDEX));
    const reset = apexWindowId(clock, MAX_WINDOW_INDEX + 1);
    expect(reset & 0xffffffffn).toBe(0n);
    expect(reset >> 32n).toBe(BigInt(Math.floor((clock.startMs + (MAX_WINDOW_INDEX + 1) * 500) / 1000)));
    // Ids keep their order across a reset, like the sequence numbers used on the wire.
    expect(reset > apexWindowId(clock, MAX_WINDOW_INDEX)).toBe(true);
    expect(formatWindowId(clock, 7)).toBe(`0x${((seconds << 32n) | 7n).toString(16)}`);
  });

  it('checkpoint windows are every N-th window counted from window 0', () => {
    const n = 60;
    const ws = Array.from({ length: 200 }, (_, w) => w).filter((w) => isCheckpointWindow(w, n));
    expect(ws).toEqual([59, 119, 179]);
    expect(isCheckpointWindow(-1, n)).toBe(false);
    expect(Array.from({ length: 5 }, (_, w) => isCheckpointWindow(w, 1))).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
  });
});

describe('WindowGenerator', () => {
  it('generators started at different times agree on every window id and checkpoint', () => {
    const early = new WindowGenerator(clock, 4, 0);
    const late = new WindowGenerator(clock, 4, 0);
    const a = run(
      early,
      [0, 300, 800, 1250, 1900, 2600, 3100, 4700].map((d) => clock.startMs + d),
    );
    // The late one starts 3.1 s in and catches up back to back.
    const b = run(
      late,
      [3100, 4700].map((d) => clock.startMs + d),
    );
    expect(b).toEqual(a);
    expect(a.filter((m) => m.type === 'end' && m.checkpoint).map((m) => m.w)).toEqual([3, 7]);
  });

  it('BEGIN and END strictly alternate with increasing ids', () => {
    const gen = new WindowGenerator(clock, 3, 0);
    const times = Array.from({ length: 100 }, (_, k) => clock.startMs + k * 137);
    const markers = run(gen, times);
    expect(checkWindowSequence(markers)).toBe(0);
    expect(markers[0]).toEqual({ type: 'begin', w: 0 });
    expect(gen.currentWindow()).toBe(windowAt(clock, times.at(-1)!));
  });

  it('emits nothing before its first window and says when the next marker is due', () => {
    const gen = new WindowGenerator(clock, 3, 2);
    expect(gen.advance(clock.startMs + 999)).toEqual([]);
    expect(gen.msUntilNext(clock.startMs + 900)).toBe(100);
    expect(gen.advance(clock.startMs + 1000)).toEqual([{ type: 'begin', w: 2 }]);
    expect(gen.msUntilNext(clock.startMs + 1200)).toBe(300);
  });

  it('a redeployed generator rewinds once to the window after its checkpoint, then ids increase again', () => {
    const first = new WindowGenerator(clock, 5, 0);
    const before = run(
      first,
      [0, 2000, 4200].map((d) => clock.startMs + d),
    );
    const open = first.currentWindow()!;
    // The operator dies inside window `open`; it restarts from checkpoint 4 and replays from window 5.
    const restarted = new WindowGenerator(clock, 5, 5);
    const after = run(
      restarted,
      [6000, 7000].map((d) => clock.startMs + d),
    );
    const stream: WindowMarker[] = [...before, { type: 'end', w: open, checkpoint: false }, ...after];
    expect(checkWindowSequence(stream)).toBe(1);
    // The checkpoint windows are still the same ones.
    expect(after.filter((m) => m.type === 'end' && m.checkpoint).map((m) => m.w)).toEqual([9]);
  });
});
