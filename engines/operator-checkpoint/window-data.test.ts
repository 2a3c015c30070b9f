import { describe, expect, it } from 'vitest';
import { createRng } from '../../core/rng.ts';
import { type KafkaRecord, RangeTracker, type WindowRanges, WindowReplayer } from './window-data.ts';

describe('RangeTracker', () => {
  it('keeps first and last offset per partition of the window being read', () => {
    const t = new RangeTracker();
    expect(t.isEmpty()).toBe(true);
    t.add(0, 10);
    t.add(1, 3);
    t.add(0, 11);
    t.add(0, 14);
    expect(t.take()).toEqual({ 0: [10, 14], 1: [3, 3] });
    expect(t.isEmpty()).toBe(true);
  });
});

describe('WindowReplayer', () => {
  /** Two partitions read live into windows at random boundaries, then re-read with random interleaving. */
  it('re-forms exactly the windows the live source saw, whatever the batch interleaving', () => {
    const rng = createRng('replay');
    for (let trial = 0; trial < 30; trial++) {
      const offsets = [0, 0];
      const windows: { w: number; ranges: WindowRanges; records: string[] }[] = [];
      const tracker = new RangeTracker();
      let records: string[] = [];
      for (let w = 20; w < 30; w++) {
        const n = Math.floor(rng.next() * 6);
        for (let k = 0; k < n; k++) {
          const p = rng.next() < 0.5 ? 0 : 1;
          const off = offsets[p]!++;
          tracker.add(p, off);
          records.push(`${p}:${off}`);
        }
        windows.push({ w, ranges: tracker.take(), records });
        records = [];
      }
      // The log also holds records read after the last saved window.
      const tail = [offsets[0]! + 2, offsets[1]! + 1];
      const log: KafkaRecord<string>[][] = [0, 1].map((p) =>
        Array.from({ length: tail[p]! }, (_, off) => ({ partition: p, offset: off, record: `${p}:${off}` })),
      );
      const replayer = new WindowReplayer<string>(windows.map(({ w, ranges }) => ({ w, ranges })));
      const out: { w: number; records: string[] }[] = [];
      const cursors = [0, 0];
      while (cursors[0]! < log[0]!.length || cursors[1]! < log[1]!.length) {
        const p =
          cursors[0]! >= log[0]!.length ? 1 : cursors[1]! >= log[1]!.length ? 0 : rng.next() < 0.5 ? 0 : 1;
        const batch = 1 + Math.floor(rng.next() * 3);
        for (const r of log[p]!.slice(cursors[p], cursors[p]! + batch)) replayer.push(r);
        cursors[p]! += batch;
        for (const d of replayer.drain()) out.push({ w: d.w, records: d.records.map((r) => r.record) });
      }
      expect(replayer.done()).toBe(true);
      const sorted = (xs: string[]) => [...xs].sort();
      expect(out.map((o) => o.w)).toEqual(windows.map((w) => w.w));
      out.forEach((o, k) => {
        expect(sorted(o.records)).toEqual(sorted(windows[k]!.records));
      });
      const leftovers = replayer.takeLeftovers().map((r) => r.record);
      expect(sorted(leftovers)).toEqual(
        sorted([`0:${offsets[0]}`, `0:${offsets[0]! + 1}`, `1:${offsets[1]}`]),
      );
    }
  });

  it('empty windows complete at once; records before the replay are dropped', () => {
    const replayer = new WindowReplayer<string>([
      { w: 5, ranges: {} },
      { w: 6, ranges: { 0: [4, 5] } },
      { w: 7, ranges: {} },
    ]);
    expect(replayer.drain().map((d) => d.w)).toEqual([5]);
    replayer.push({ partition: 0, offset: 3, record: 'old' });
    replayer.push({ partition: 0, offset: 4, record: 'a' });
    expect(replayer.drain()).toEqual([]);
    replayer.push({ partition: 0, offset: 5, record: 'b' });
    expect(replayer.drain().map((d) => [d.w, d.records.map((r) => r.record)])).toEqual([
      [6, ['a', 'b']],
      [7, []],
    ]);
    expect(replayer.done()).toBe(true);
  });
});
