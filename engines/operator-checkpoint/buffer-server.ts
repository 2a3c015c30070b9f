/**
 * The buffer server (Apex's bufferserver: DataList + per-subscriber iterators, protocol step 4): the output of
 * the operator in this worker, kept by window, so that a downstream operator restarted from a checkpoint can
 * ask for everything from a window on and get it again, in order, while this operator keeps running.
 *
 * A partitioned stream is stored once per downstream partition (Apex stores it once and filters by partition
 * mask per subscriber; pre-partitioning is the same result without the filter). A subscriber's position is a
 * cursor (window, record index in that window, whether BEGIN_WINDOW was sent); `read` turns what lies beyond
 * the cursor into segments. Windows below the committed window − 1 are purged: the committed window is the
 * oldest checkpoint any operator may still restart from, so nobody will ask for older windows again.
 */

/** A piece of one window of one partition: [BEGIN_WINDOW] records… [END_WINDOW [CHECKPOINT]]. */
export interface Segment<R> {
  /** Window id (sequence number, see window.ts). */
  w: number;
  /** Index in the window's partition of the first record in `r`. */
  i: number;
  r: R[];
  /** BEGIN_WINDOW(w) precedes the records. */
  b?: 1;
  /** With `b`: the window this buffer holds before `w` (lets a subscriber see that a whole window is missing). */
  p?: number;
  /** END_WINDOW(w) follows the records. */
  e?: 1;
  /** A CHECKPOINT(w) marker follows END_WINDOW(w). */
  c?: 1;
}

export interface Cursor {
  /** Next window to send (or the first retained one after it). */
  w: number;
  /** Next record index in that window. */
  i: number;
  /** BEGIN_WINDOW(w) has been sent. */
  begun: boolean;
}

interface StoredWindow<R> {
  w: number;
  parts: R[][];
  ended: boolean;
  checkpoint: boolean;
}

export interface PurgeResult {
  windows: number;
  records: number;
  /** Oldest window kept, if any. */
  oldest: number | undefined;
}

export class BufferServer<R> {
  private windows: StoredWindow<R>[] = [];
  private purgedBelow = Number.NEGATIVE_INFINITY;

  constructor(private readonly partitions: number) {
    if (!Number.isInteger(partitions) || partitions < 1)
      throw new RangeError(`buffer server: partitions must be ≥ 1, got ${partitions}`);
  }

  /** BEGIN_WINDOW(w): windows are published in increasing order, one at a time. */
  beginWindow(w: number): void {
    const last = this.windows.at(-1);
    if (last && (!last.ended || last.w >= w))
      throw new RangeError(`buffer server: BEGIN_WINDOW(${w}) after window ${last.w} (ended: ${last.ended})`);
    this.windows.push({
      w,
      parts: Array.from({ length: this.partitions }, () => []),
      ended: false,
      checkpoint: false,
    });
  }

  publish(partition: number, records: readonly R[]): void {
    const open = this.openWindow('publish');
    const part = open.parts[partition];
    if (!part) throw new RangeError(`buffer server: no partition ${partition}`);
    for (const r of records) part.push(r);
  }

  /** END_WINDOW(w), followed by CHECKPOINT(w) if `checkpoint`. */
  endWindow(w: number, checkpoint: boolean): void {
    const open = this.openWindow('endWindow');
    if (open.w !== w) throw new RangeError(`buffer server: END_WINDOW(${w}) while window ${open.w} is open`);
    open.ended = true;
    open.checkpoint = checkpoint;
  }

  /** The window being published (begun, not ended), if any. */
  currentWindow(): number | undefined {
    const last = this.windows.at(-1);
    return last && !last.ended ? last.w : undefined;
  }

  oldestWindow(): number | undefined {
    return this.windows[0]?.w;
  }

  newestWindow(): number | undefined {
    return this.windows.at(-1)?.w;
  }

  retainedWindows(): number[] {
    return this.windows.map((s) => s.w);
  }

  /**
   * Removes the windows a committed window makes useless: those below `committed − 1`. (Apex purges below
   * the committed window; one more window of slack costs little and keeps the window a subscriber restarting
   * exactly at the committed checkpoint could still be reading.) Never touches a window ≥ committed − 1.
   */
  purge(committed: number): PurgeResult {
    const below = committed - 1;
    let n = 0;
    let records = 0;
    while (n < this.windows.length && this.windows[n]!.w < below && this.windows[n]!.ended) {
      for (const p of this.windows[n]!.parts) records += p.length;
      n++;
    }
    if (n > 0) this.windows = this.windows.slice(n);
    this.purgedBelow = Math.max(this.purgedBelow, below);
    return { windows: n, records, oldest: this.windows[0]?.w };
  }

  /** Records of `partition` from `cursor` to the head: what a subscription starting there replays now. */
  recordsFrom(partition: number, cursor: Cursor): number {
    let n = 0;
    for (let k = this.indexAtOrAfter(cursor.w); k < this.windows.length; k++) {
      const s = this.windows[k]!;
      const part = s.parts[partition]!;
      n += s.w === cursor.w ? Math.max(0, part.length - cursor.i) : part.length;
    }
    return n;
  }

  /**
   * Everything of `partition` beyond `cursor`, at most `maxRecords` records, as segments in order, and the
   * cursor after them. Nothing new gives no segments and the same cursor.
   */
  read(partition: number, cursor: Cursor, maxRecords: number): { segments: Segment<R>[]; cursor: Cursor } {
    const segments: Segment<R>[] = [];
    let at = { ...cursor };
    let budget = maxRecords;
    for (let k = this.indexAtOrAfter(at.w); k < this.windows.length; k++) {
      const s = this.windows[k]!;
      if (s.w > at.w) at = { w: s.w, i: 0, begun: false };
      const part = s.parts[partition]!;
      const seg: Segment<R> = { w: s.w, i: at.i, r: [] };
      if (!at.begun) {
        seg.b = 1;
        const before = this.windows[k - 1];
        if (before) seg.p = before.w;
        at.begun = true;
      }
      const take = Math.max(0, Math.min(budget, part.length - at.i));
      if (take > 0) {
        seg.r = part.slice(at.i, at.i + take);
        at.i += take;
        budget -= take;
      }
      const complete = s.ended && at.i >= part.length;
      if (complete) {
        seg.e = 1;
        if (s.checkpoint) seg.c = 1;
      }
      if (seg.b || seg.r.length > 0 || seg.e) segments.push(seg);
      if (!complete || budget <= 0) {
        if (complete) at = { w: s.w + 1, i: 0, begun: false };
        break;
      }
      at = { w: s.w + 1, i: 0, begun: false };
    }
    return { segments, cursor: at };
  }

  /** The position just after everything published so far in `partition` (undefined while empty). */
  headCursor(partition: number): Cursor | undefined {
    const last = this.windows.at(-1);
    return last && { w: last.w, i: last.parts[partition]!.length, begun: true };
  }

  /** True if a subscription at `cursor` asks for windows already purged. */
  isPurged(cursor: Cursor): boolean {
    return cursor.w < this.purgedBelow;
  }

  private openWindow(what: string): StoredWindow<R> {
    const last = this.windows.at(-1);
    if (!last || last.ended) throw new RangeError(`buffer server: ${what} outside a window`);
    return last;
  }

  /** Index of the first stored window with id ≥ w (binary search: windows are in increasing order). */
  private indexAtOrAfter(w: number): number {
    let lo = 0;
    let hi = this.windows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.windows[mid]!.w < w) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
