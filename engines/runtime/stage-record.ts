import type { BranchName } from '../../core/types.ts';

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
  /** Fan-out: the branch that scored it (set by `score` and `challenger`). */
  branch?: BranchName;
}

/** A scoring stage's output: the input's identity and timing, its score, and on a fan-out the branch. */
export function scoredRecord(v: StageRecord, score: number, branch?: BranchName): StageRecord {
  return { id: v.id, key: v.key, t: v.t, r: v.r, score, ...(branch ? { branch } : {}) };
}
