/**
 * One input port of an operator, subscribed to one upstream buffer server: turns the segments that arrive
 * into BEGIN_WINDOW / records / END_WINDOW events, each exactly once and in order, whatever the link did.
 *
 * The mesh drops frames while a link is down, and a resubscription replays from a position, so segments can
 * arrive twice or not at all. Every segment says where it is (window, record index), so the port drops what it
 * already has and reports a gap when something is missing; the caller then resubscribes from `resumePoint()`.
 */
import type { Cursor, Segment } from './buffer-server.ts';

export type PortEvent<R> =
  | { type: 'begin'; w: number }
  | { type: 'records'; w: number; records: R[] }
  | { type: 'end'; w: number; checkpoint: boolean };

export class InputPort<R> {
  /** Window begun and not yet ended on this port. */
  private open: number | undefined;
  /** Records received in the open window. */
  private count = 0;
  /** Lowest window that may begin next. */
  private after: number;

  constructor(fromWindow: number) {
    this.after = fromWindow;
  }

  /** The events a segment adds, or `gap` when data before it is missing (resubscribe from `resumePoint`). */
  accept(seg: Segment<R>): { events: PortEvent<R>[]; gap: boolean } {
    const events: PortEvent<R>[] = [];
    if (this.open === undefined) {
      if (seg.w < this.after) return { events, gap: false }; // a window this port already finished
      // A window we have not seen: it must start with its BEGIN, and no window after our last may be missing.
      if (!seg.b || seg.i !== 0 || (seg.p !== undefined && seg.p >= this.after)) return { events, gap: true };
      this.open = seg.w;
      this.count = 0;
      events.push({ type: 'begin', w: seg.w });
    } else if (seg.w < this.open) {
      return { events, gap: false };
    } else if (seg.w > this.open) {
      return { events, gap: true }; // END_WINDOW(open) never came
    } else if (seg.i > this.count) {
      return { events, gap: true };
    }
    const fresh = this.count - seg.i;
    if (fresh < seg.r.length) {
      const records = fresh === 0 ? seg.r : seg.r.slice(fresh);
      this.count += records.length;
      events.push({ type: 'records', w: seg.w, records });
    }
    if (seg.e) {
      events.push({ type: 'end', w: seg.w, checkpoint: seg.c === 1 });
      this.after = seg.w + 1;
      this.open = undefined;
      this.count = 0;
    }
    return { events, gap: false };
  }

  /** Where a (re)subscription must start so that nothing is missed and nothing is repeated. */
  resumePoint(): Cursor {
    return this.open === undefined
      ? { w: this.after, i: 0, begun: false }
      : { w: this.open, i: this.count, begun: true };
  }

  /** The window in progress on this port, if any. */
  openWindow(): number | undefined {
    return this.open;
  }
}
