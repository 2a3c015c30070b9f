/**
 * The files of one run directory, written in phases so a crash still leaves data behind: scenario.json and
 * environment.json at the start, events.jsonl / timeseries.csv / latency.hlog appended as the run goes,
 * summary.json last. JSON files are written atomically (temp file + rename).
 */
import { createWriteStream, mkdirSync, renameSync, type WriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent } from '../core/types.ts';
import type { SecondRow } from './collector.ts';
import { createHlogWriter, type Histogram } from './latency.ts';

/** Writes `value` as JSON to `path` atomically: a reader (or a crash) sees the old file or the new, never half. */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileSync(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
}

export const TIMESERIES_HEADER = 'second,outputs,p50_ms,p99_ms,max_ms';

export interface RunFiles {
  dir: string;
  /** Second 0 of the time series and the hlog's StartTime (ms since the epoch); call before `second`. */
  setOrigin(startMs: number): void;
  writeJson(name: string, value: unknown): void;
  event(e: EngineEvent): void;
  second(row: SecondRow, interval: Histogram): void;
  close(): Promise<void>;
}

export function openRunFiles(dir: string): RunFiles {
  mkdirSync(dir, { recursive: true });
  const events = createWriteStream(join(dir, 'events.jsonl'), { flags: 'a' });
  const series = createWriteStream(join(dir, 'timeseries.csv'), { flags: 'w' });
  const hlog = createWriteStream(join(dir, 'latency.hlog'), { flags: 'w' });
  series.write(`${TIMESERIES_HEADER}\n`);
  let log: ReturnType<typeof createHlogWriter> | undefined;
  const ms = (us: number | null) => (us === null ? '' : String(us / 1000));
  return {
    dir,
    setOrigin(startMs) {
      log = createHlogWriter((text) => hlog.write(text), startMs);
    },
    writeJson(name, value) {
      writeJsonAtomic(join(dir, name), value);
    },
    event(e) {
      events.write(`${JSON.stringify(e)}\n`);
    },
    second(row, interval) {
      series.write(`${row.second},${row.outputs},${ms(row.p50Us)},${ms(row.p99Us)},${ms(row.maxUs)}\n`);
      if (interval.totalCount > 0) log?.interval(interval, row.second, row.second + 1);
    },
    async close() {
      await Promise.all([events, series, hlog].map((s) => endStream(s)));
    },
  };
}

function endStream(s: WriteStream): Promise<void> {
  return new Promise((resolve) => s.end(resolve));
}
