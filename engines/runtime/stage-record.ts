/** What flows between operators in every multi-process engine: the input's identity and timing, plus the stage's payload. */
export interface StageRecord {
  id: number;
  key: string;
  /** Intended send time, µs. */
  t: number;
  /** Source read time, µs. */
  r: number;
  body?: unknown;
  features?: number[];
  score?: number;
}
