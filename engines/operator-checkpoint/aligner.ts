/**
 * Per-window processing of a multi-input operator (Apex's GenericNode.run, protocol step 2):
 * - the first BEGIN_WINDOW(w) on any port calls beginWindow(w); the others' BEGIN_WINDOW(w) are consumed;
 * - records of any port in window w are processed as they come;
 * - a port that delivered END_WINDOW(w) is not read again (its `deliver` does not resolve) until every port
 *   delivered END_WINDOW(w); then endWindow(w) runs, and only when it is done do the ports go on;
 * - a CHECKPOINT marker after END_WINDOW(w) makes it a checkpoint window (endWindow is told).
 *
 * A port that is "not read" is a mesh lane whose handler is waiting, so the link fills up and its sender's
 * buffer server waits: alignment is back-pressure, not memory. Operator calls never overlap.
 *
 * Out of sequence: a port that begins a window older than the current one is skipped to the next window (the
 * AT_MOST_ONCE fast-forward of GenericNode; a recovering port cannot do it under the other modes, since every
 * port resumes at the same window). A port that begins a newer window has nothing for the current one: it
 * counts as having ended it.
 */
import type { PortEvent } from './input-port.ts';

export interface WindowedOperator<R> {
  beginWindow(w: number): void | Promise<void>;
  process(port: number, records: R[]): void | Promise<void>;
  /** `checkpointMarker`: a CHECKPOINT(w) marker followed END_WINDOW(w) on the ports. */
  endWindow(w: number, checkpointMarker: boolean): void | Promise<void>;
}

export class WindowAligner<R> {
  private current: number | undefined;
  private lastEnded: number | undefined;
  private readonly ended = new Set<number>();
  private checkpointMarker = false;
  /** port → window whose events are being skipped on that port. */
  private readonly skipping = new Map<number, number>();
  private barrier: { promise: Promise<void>; resolve: () => void } | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly ports: number,
    private readonly operator: WindowedOperator<R>,
    private readonly onOutOfSequence?: (port: number, w: number, current: number) => void,
  ) {
    if (!Number.isInteger(ports) || ports < 1)
      throw new RangeError(`aligner: ports must be ≥ 1, got ${ports}`);
  }

  /** The window being processed, if any. */
  currentWindow(): number | undefined {
    return this.current;
  }

  lastEndedWindow(): number | undefined {
    return this.lastEnded;
  }

  /** True while `port` has delivered END_WINDOW of the current window and waits for the others. */
  isBlocked(port: number): boolean {
    return this.ended.has(port);
  }

  /**
   * Hands one event of `port` to the operator. Resolves when the port may deliver its next event: at once for
   * records, after the whole window ended for END_WINDOW. Call it for one port's events in order.
   */
  async deliver(port: number, ev: PortEvent<R>): Promise<void> {
    if (ev.type === 'begin') {
      for (;;) {
        if (this.current === undefined) {
          if (this.lastEnded !== undefined && ev.w <= this.lastEnded) {
            this.skip(port, ev.w, this.lastEnded);
            return;
          }
          const w = ev.w;
          this.current = w;
          await this.exclusive(() => this.operator.beginWindow(w));
          return;
        }
        if (ev.w === this.current) return;
        if (ev.w < this.current) {
          this.skip(port, ev.w, this.current);
          return;
        }
        // This port has moved past the current window: it has nothing more for it.
        this.onOutOfSequence?.(port, ev.w, this.current);
        await this.arrive(port);
      }
    }
    if (this.skipping.get(port) === ev.w) {
      if (ev.type === 'end') this.skipping.delete(port);
      return;
    }
    if (ev.type === 'records') {
      const records = ev.records;
      await this.exclusive(() => this.operator.process(port, records));
      return;
    }
    if (ev.w !== this.current) {
      // END_WINDOW of a window this port never began here (it began before a resubscription): ignore.
      return;
    }
    if (ev.checkpoint) this.checkpointMarker = true;
    await this.arrive(port);
  }

  private skip(port: number, w: number, current: number): void {
    this.skipping.set(port, w);
    this.onOutOfSequence?.(port, w, current);
  }

  private async arrive(port: number): Promise<void> {
    this.ended.add(port);
    if (this.ended.size < this.ports) {
      this.barrier ??= deferred();
      await this.barrier.promise;
      return;
    }
    const w = this.current!;
    const marker = this.checkpointMarker;
    const barrier = this.barrier;
    this.barrier = undefined;
    try {
      await this.exclusive(() => this.operator.endWindow(w, marker));
    } finally {
      this.lastEnded = w;
      this.current = undefined;
      this.checkpointMarker = false;
      this.ended.clear();
      barrier?.resolve();
    }
  }

  /** Runs operator calls one at a time, in call order. */
  private exclusive(fn: () => void | Promise<void>): Promise<void> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => {});
    return run;
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
