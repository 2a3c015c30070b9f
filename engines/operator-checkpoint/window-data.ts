/**
 * The input operator's per-window Kafka offsets (Apex's WindowDataManager, used by its Kafka input operator
 * for idempotent replay). At the end of every window the source records which offsets of each partition the
 * window held, and saves that before END_WINDOW leaves; after a restart from checkpoint c it replays windows
 * c+1… with exactly the same records, so every downstream window it regenerates is the one its consumers saw
 * (an exactly-once sink skipping windows it already wrote relies on this).
 */

/** partition → [first offset, last offset] (inclusive) of the records a window took from it. */
export type WindowRanges = Record<string, [number, number]>;

/** Tracks the ranges of the window being read. */
export class RangeTracker {
  private ranges: WindowRanges = {};

  add(partition: number, offset: number): void {
    const r = this.ranges[partition];
    if (r) r[1] = Math.max(r[1], offset);
    else this.ranges[partition] = [offset, offset];
  }

  isEmpty(): boolean {
    return Object.keys(this.ranges).length === 0;
  }

  /** The window's ranges; starts the next window empty. */
  take(): WindowRanges {
    const out = this.ranges;
    this.ranges = {};
    return out;
  }
}

export interface KafkaRecord<R> {
  partition: number;
  offset: number;
  record: R;
}

/**
 * Re-forms the saved windows from records re-read from Kafka (in offset order per partition, partitions
 * interleaved as they come). A window is complete when every partition it read from reached its last offset.
 * Records past the last saved window are handed back as `leftovers`: they belong to the live windows.
 */
export class WindowReplayer<R> {
  private readonly pending = new Map<number, KafkaRecord<R>[]>();
  private readonly reached = new Map<number, number>();
  private readonly lastOffset = new Map<number, number>();
  private readonly leftover: KafkaRecord<R>[] = [];
  private next = 0;

  /** `windows`: the saved windows to replay, ascending. */
  constructor(private readonly windows: readonly { w: number; ranges: WindowRanges }[]) {
    for (const { ranges } of windows)
      for (const [p, [, last]] of Object.entries(ranges))
        this.lastOffset.set(Number(p), Math.max(this.lastOffset.get(Number(p)) ?? -1, last));
  }

  push(r: KafkaRecord<R>): void {
    this.reached.set(r.partition, Math.max(this.reached.get(r.partition) ?? -1, r.offset));
    if (r.offset > (this.lastOffset.get(r.partition) ?? -1)) {
      this.leftover.push(r);
      return;
    }
    const list = this.pending.get(r.partition);
    if (list) list.push(r);
    else this.pending.set(r.partition, [r]);
  }

  /** Windows now complete, in order, each with its records (partition by partition, in offset order). */
  drain(): { w: number; records: KafkaRecord<R>[] }[] {
    const out: { w: number; records: KafkaRecord<R>[] }[] = [];
    while (this.next < this.windows.length) {
      const { w, ranges } = this.windows[this.next]!;
      const parts = Object.entries(ranges).map(([p, range]) => [Number(p), range] as const);
      if (parts.some(([p, [, last]]) => (this.reached.get(p) ?? -1) < last)) break;
      const records: KafkaRecord<R>[] = [];
      for (const [p, [first, last]] of parts) {
        const list = this.pending.get(p) ?? [];
        let k = 0;
        while (k < list.length && list[k]!.offset <= last) {
          if (list[k]!.offset >= first) records.push(list[k]!);
          k++;
        }
        this.pending.set(p, list.slice(k));
      }
      out.push({ w, records });
      this.next++;
    }
    return out;
  }

  done(): boolean {
    return this.next >= this.windows.length;
  }

  /** Records read beyond the replayed windows, in arrival order (call once `done`). */
  takeLeftovers(): KafkaRecord<R>[] {
    return this.leftover.splice(0);
  }
}
