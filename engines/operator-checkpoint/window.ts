/**
 * Streaming windows (Apex's WindowGenerator, protocol step 1). The master fixes a start time; every window
 * generator derives window n from it (window n covers [start + n·width, start + (n+1)·width)), so all input
 * operators agree on ids without talking to each other. After END_WINDOW of every CHECKPOINT_WINDOW_COUNT-th
 * window a CHECKPOINT marker follows.
 *
 * Apex's window id is a 64-bit long: `(resetSeconds << 32) | index`, where the index restarts (a RESET_WINDOW)
 * every MAX_WINDOW_ID + 1 windows. That does not fit a JavaScript number, so on the wire and in the master's
 * arithmetic a window is its sequence number n since the start (a safe integer that orders exactly as Apex's
 * ids do within one application); `apexWindowId` gives the 64-bit id for the timeline.
 */

/** WindowGenerator.MAX_WINDOW_ID: the index part of a window id stays below 2^14 − 1 (varint of 2 bytes). */
export const MAX_WINDOW_INDEX = 0x3fff - (0x3fff % 1000) - 1;

/** Stateless.WINDOW_ID / Checkpoint.INITIAL_CHECKPOINT: "no checkpoint yet", state from scratch. */
export const INITIAL_CHECKPOINT = -1;

export interface WindowClock {
  /** The master's window start time, ms since the epoch. */
  startMs: number;
  widthMs: number;
}

/** The window containing `ms` (negative before the start). */
export function windowAt(clock: WindowClock, ms: number): number {
  return Math.floor((ms - clock.startMs) / clock.widthMs);
}

/** When window `w` begins, ms since the epoch. */
export function windowStartMs(clock: WindowClock, w: number): number {
  return clock.startMs + w * clock.widthMs;
}

/** Apex's 64-bit window id of window `w` (WindowGenerator.getWindowId). */
export function apexWindowId(clock: WindowClock, w: number): bigint {
  const ms = windowStartMs(clock, w);
  const span = (MAX_WINDOW_INDEX + 1) * clock.widthMs;
  const resetMs = ms - ((((ms - clock.startMs) % span) + span) % span);
  const index = Math.round((ms - resetMs) / clock.widthMs);
  return (BigInt(Math.floor(resetMs / 1000)) << 32n) | BigInt(index);
}

/** Codec.getStringWindowId's shape: hex of the 64-bit id. */
export function formatWindowId(clock: WindowClock, w: number): string {
  return `0x${apexWindowId(clock, w).toString(16)}`;
}

/**
 * True if a CHECKPOINT marker follows END_WINDOW(w). Generators count windows from window 0 (a restarted one
 * keeps the offset, like Apex's setCheckpointCount(count, offset)), so every input agrees on the windows.
 */
export function isCheckpointWindow(w: number, checkpointWindowCount: number): boolean {
  return w >= 0 && (w + 1) % checkpointWindowCount === 0;
}

export type WindowMarker = { type: 'begin'; w: number } | { type: 'end'; w: number; checkpoint: boolean };

/**
 * The window generator of one input operator: given the time, the markers due since the last call. It starts
 * at `firstWindow` (0 on a first deployment, the window after the replayed ones after a recovery) even when
 * that lies in the past, and then catches up back to back, as Apex's generator does after a restart.
 */
export class WindowGenerator {
  private current: number | undefined;

  constructor(
    private readonly clock: WindowClock,
    private readonly checkpointWindowCount: number,
    private readonly firstWindow: number,
  ) {}

  /** The window begun last, if any. */
  currentWindow(): number | undefined {
    return this.current;
  }

  /** Markers due at `nowMs`, in order: END(w) [with its CHECKPOINT], BEGIN(w+1), … */
  advance(nowMs: number): WindowMarker[] {
    const due = windowAt(this.clock, nowMs);
    const out: WindowMarker[] = [];
    if (this.current === undefined) {
      if (due < this.firstWindow) return out;
      this.current = this.firstWindow;
      out.push({ type: 'begin', w: this.current });
    }
    while (this.current < due) {
      out.push({
        type: 'end',
        w: this.current,
        checkpoint: isCheckpointWindow(this.current, this.checkpointWindowCount),
      });
      this.current++;
      out.push({ type: 'begin', w: this.current });
    }
    return out;
  }

  /** Milliseconds from `nowMs` until the next marker is due. */
  msUntilNext(nowMs: number): number {
    const next = this.current === undefined ? this.firstWindow : this.current + 1;
    return Math.max(0, windowStartMs(this.clock, next) - nowMs);
  }
}
