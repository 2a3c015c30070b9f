/**
 * What a Storm cluster's own logs say, for the adapter (cluster.ts): the supervisor's slot state machine
 * (Slot.java: "SLOT 6700: main process has exited", "HB is too old"; BasicContainer.java: "Launching worker …
 * on port 6700"), and the lines faultline's topology prints in each worker JVM, which Storm's LogWriter copies
 * into the worker's log: `faultline-placement {json}` (Placement.java) and `faultline-event {json}`
 * (SpoutEvents.java). Only whole lines are parsed; anything else is ignored.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

export const PLACEMENT_MARKER = 'faultline-placement ';
export const EVENT_MARKER = 'faultline-event ';

/** One operator instance's worker JVM: `features[1]` runs in pid 1234, the worker on slot port 6701. */
export interface InstancePlacement {
  instance: string;
  pid: number;
  port: number;
}

/** A `faultline-placement` line (anywhere in a log line, after the log pattern's prefix). */
export function parsePlacement(line: string): InstancePlacement | undefined {
  const at = line.indexOf(PLACEMENT_MARKER);
  if (at < 0) return undefined;
  try {
    const p = JSON.parse(line.slice(at + PLACEMENT_MARKER.length)) as Partial<InstancePlacement>;
    if (typeof p.instance !== 'string' || !Number.isInteger(p.pid) || !Number.isInteger(p.port))
      return undefined;
    return { instance: p.instance, pid: p.pid!, port: p.port! };
  } catch {
    return undefined;
  }
}

/** The JSON of a `faultline-event` line, for parseSpoutEvent. */
export function eventJson(line: string): string | undefined {
  const at = line.indexOf(EVENT_MARKER);
  return at < 0 ? undefined : line.slice(at + EVENT_MARKER.length);
}

/** What a supervisor said about one of its slots. */
export type SlotNews =
  | { kind: 'launching'; port: number }
  | { kind: 'exited'; port: number }
  | { kind: 'heartbeat-timeout'; port: number };

export function parseSlotLine(line: string): SlotNews | undefined {
  let m = /SLOT (\d+): main process has exited/.exec(line);
  if (m) return { kind: 'exited', port: Number(m[1]) };
  m = /SLOT (\d+): HB is too old/.exec(line);
  if (m) return { kind: 'heartbeat-timeout', port: Number(m[1]) };
  m = /Launching worker with assignment .* on port (\d+) with id /.exec(line);
  if (m) return { kind: 'launching', port: Number(m[1]) };
  return undefined;
}

/**
 * Follows growing log files by polling: each call of `poll` hands every complete new line of every file to
 * `onLine`. Files that do not exist yet are picked up when they appear (`files` is asked every time).
 */
export function logFollower(files: () => string[], onLine: (file: string, line: string) => void) {
  const state = new Map<string, { offset: number; partial: string }>();
  const buffer = Buffer.alloc(1 << 16);
  return {
    poll() {
      for (const file of files()) {
        let size: number;
        try {
          size = statSync(file).size;
        } catch {
          continue;
        }
        const s = state.get(file) ?? { offset: 0, partial: '' };
        state.set(file, s);
        if (size <= s.offset) continue;
        const fd = openSync(file, 'r');
        try {
          while (s.offset < size) {
            const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - s.offset), s.offset);
            if (n <= 0) break;
            s.offset += n;
            const lines = (s.partial + buffer.toString('utf8', 0, n)).split('\n');
            s.partial = lines.pop() ?? '';
            for (const line of lines) onLine(file, line);
          }
        } finally {
          closeSync(fd);
        }
      }
    },
  };
}
