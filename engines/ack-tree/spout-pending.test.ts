import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.ts';
import { emitWhenPendingRoom, SpoutPending } from './spout-pending.ts';

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

/**
 * A spout task under more load than its topology can handle: a backlog of `records` offsets waits in Kafka, the
 * topology completes at most `capacityPerMs` tuple trees a millisecond (FIFO), fails some explicitly and loses some
 * (they time out on the pending map's rotation every `timeoutMs`); failed tuples are emitted again under a new root,
 * through the same gate. Two emit loops share the task's pending map, as two partitions' batches would; each holds
 * what it emitted until its batch of 100 is written to the wire (as the worker does), or until the map is full if
 * `flushWhenFull`. Time is fake: it passes only while an emit loop waits. Stops when every record is acked or after
 * `limitMs` (without a cap the timeouts replay faster than the topology completes and it never finishes).
 */
async function loadedSpout(maxPending: number | null, limitMs: number, flushWhenFull = true) {
  const clock = { now: 0, nowMs: () => clock.now };
  const rng = createRng('max-spout-pending');
  const pending = new SpoutPending<number>({ clock });
  const records = 3_000;
  const capacityPerMs = 2;
  const timeoutMs = 40;
  const batchSize = 100;
  const inTopology: bigint[] = [];
  const retries: number[] = [];
  let nextOffset = 0;
  let nextRoot = 1n;
  let acked = 0;
  let timedOut = 0;
  let waits = 0;
  let maxSeen = 0;
  const topologyMs = () => {
    clock.now += 1;
    for (let i = 0; i < capacityPerMs && inTopology.length > 0; i++) {
      const root = inTopology.shift()!;
      const r = rng.next();
      if (r < 0.02) continue; // lost on the way: times out
      if (r < 0.07) {
        const failed = pending.fail(root);
        if (failed) retries.push(failed.msg);
        continue;
      }
      if (pending.ack(root)) acked++;
    }
    if (clock.now % timeoutMs === 0) {
      for (const t of pending.rotate()) {
        retries.push(t.msg);
        timedOut++;
      }
    }
  };
  const sleep = async (ms: number) => {
    waits++;
    for (let i = 0; i < ms; i++) topologyMs();
  };
  const done = () => acked >= records || clock.now >= limitMs;
  const emitLoop = async () => {
    let held: bigint[] = [];
    const write = async () => {
      inTopology.push(...held);
      held = [];
    };
    const gate = { sleep, pollMs: 2, stop: done, ...(flushWhenFull ? { onFull: write } : {}) };
    while (!done()) {
      if (held.length >= batchSize) await write();
      const offset = retries.shift() ?? (nextOffset < records ? nextOffset++ : undefined);
      if (offset === undefined) {
        await write();
        await sleep(1); // nothing to emit: wait for acks, fails or timeouts
        continue;
      }
      const emitted = await emitWhenPendingRoom(pending, maxPending, gate, () => {
        const root = nextRoot++;
        pending.emit(root, offset);
        held.push(root);
        maxSeen = Math.max(maxSeen, pending.size());
      });
      if (!emitted) break;
      if (rng.next() < 0.1) await Promise.resolve(); // let the other loop in between emits
    }
  };
  await Promise.all([emitLoop(), emitLoop()]);
  return { maxSeen, waits, acked, timedOut, elapsedMs: clock.now };
}

describe('invariant: max.spout.pending is respected under load', () => {
  it('pending per spout task never exceeds max.spout.pending while the load exceeds what the topology can handle', async () => {
    // Without a cap the same load piles up in flight: proof that it exceeds what the topology handles.
    const unbounded = await loadedSpout(null, 200);
    expect(unbounded.maxSeen).toBeGreaterThan(1_000);
    const max = 25;
    const capped = await loadedSpout(max, 60_000);
    expect(capped.maxSeen).toBe(max); // reached, never exceeded
    expect(capped.waits).toBeGreaterThan(100); // the spout really was held back
    expect(capped.acked).toBe(3_000); // and every record still completed
    expect(capped.elapsedMs).toBeGreaterThan(3_000 / 2); // no faster than the topology's capacity
  });

  it('a spout that holds a batch larger than the cap sends it before it waits; else its tuples can only time out', async () => {
    const sends = await loadedSpout(25, 60_000);
    const holds = await loadedSpout(25, 60_000, false);
    expect(holds.maxSeen).toBe(25); // the cap holds either way; progress does not
    expect(sends.timedOut).toBeLessThan(0.1 * 3_000); // only the lost ones, and their retries
    expect(holds.timedOut).toBeGreaterThan(3_000);
    expect(holds.elapsedMs).toBeGreaterThan(5 * sends.elapsedMs);
    expect([sends.acked, holds.acked < 3_000]).toEqual([3_000, true]);
  });
});
