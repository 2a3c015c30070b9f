/**
 * Delivery accounting for the fan-out topology: every record must come out once on each sibling branch, so each
 * branch gets a checker of its own (checker.ts, the chain's definitions over that branch's outputs, its scores
 * checked against the reference scorer of that branch), and the headline `counts` judge the record across
 * branches, so the guarantee's verdict considers every branch:
 *
 * - produced   = ids acknowledged by Kafka to the generator (as on a chain).
 * - delivered  = every output read: one per record and branch, so a clean run delivers branches × produced;
 *                = Σ branch delivered + unattributed.
 * - unique     = distinct ids in the produced range seen on every branch (a record complete everywhere).
 * - lost       = acked ids missing on at least one branch (max branch lost ≤ lost ≤ Σ branch lost).
 * - duplicated = ids in the produced range delivered more than once on at least one branch
 *                (max branch duplicated ≤ duplicated ≤ Σ branch duplicated).
 * - unexpected = outputs (not ids) whose id was never produced, on any branch, plus outputs whose branch is
 *                missing or unknown or that no branch could trust (`unattributed`); = Σ branch unexpected +
 *                unattributed.
 * - incorrect  = outputs whose score !== the reference score of their branch for their id; = Σ branch incorrect.
 *
 * The chain's identity unique + lost = produced + deliveredUnacked holds with these definitions (deliveredUnacked:
 * ids never acked yet seen on every branch), and delivered ≥ unique + duplicated + unexpected.
 */
import type { BranchSpec } from '../core/types.ts';
import {
  type Checker,
  type CheckResult,
  createChecker,
  type DeliveryCounts,
  type FinishInput,
  SAMPLE_LIMIT,
} from './checker.ts';
import type { IdSet } from './id-set.ts';

/** One entry of summary.json `branches`: a sibling branch, the operators only it has, its own counts. */
export interface BranchCounts extends Omit<DeliveryCounts, 'produced'> {
  branch: string;
  operators: string[];
}

export interface FanOutResult extends CheckResult {
  branches: BranchCounts[];
  /** Outputs counted as unexpected without a branch to charge them to (missing or unknown branch, untrusted). */
  unattributed: number;
}

export interface FanOutChecker {
  /** One output read from the output topic, with the branch it names. An unknown branch is unexpected. */
  observe(id: number, score: number, readMs: number, branch: string | undefined): void;
  /** An output that is no trusted delivery of its id; charged to `branch` when it names a known one. */
  observeUnexpected(id: number, branch?: string): void;
  deliveredCount(): number;
  /** When every acked id below `beforeId` had been read on every branch (see Checker.backlogDeliveredAt). */
  backlogDeliveredAt(beforeId: number, acked: IdSet, allowLoss: boolean): number | null;
  finish(input: {
    attempted: number;
    acked: IdSet;
    /** Reference score of an id on a branch; NaN when unknown. */
    expected: (branch: string, id: number) => number;
  }): FanOutResult;
}

export function createFanOutChecker(opts: {
  expectedIds: number;
  branches: readonly BranchSpec[];
}): FanOutChecker {
  const checkers = new Map<string, Checker>(
    opts.branches.map((b) => [b.branch, createChecker({ expectedIds: opts.expectedIds })]),
  );
  let unattributed = 0;
  const unattributedSample: number[] = [];
  const noteUnattributed = (id: number) => {
    unattributed++;
    if (unattributedSample.length < SAMPLE_LIMIT && !unattributedSample.includes(id))
      unattributedSample.push(id);
  };

  return {
    observe(id, score, readMs, branch) {
      const c = branch === undefined ? undefined : checkers.get(branch);
      if (c) c.observe(id, score, readMs);
      else noteUnattributed(id);
    },
    observeUnexpected(id, branch) {
      const c = branch === undefined ? undefined : checkers.get(branch);
      if (c) c.observeUnexpected(id);
      else noteUnattributed(id);
    },
    deliveredCount: () => unattributed + sum([...checkers.values()].map((c) => c.deliveredCount())),
    backlogDeliveredAt(beforeId, acked, allowLoss) {
      let latest = Number.NEGATIVE_INFINITY;
      for (const c of checkers.values()) {
        const at = c.backlogDeliveredAt(beforeId, acked, allowLoss);
        if (at === null) return null;
        latest = Math.max(latest, at);
      }
      return latest;
    },
    finish({ attempted, acked, expected }) {
      const perBranch = opts.branches.map((b) => ({
        spec: b,
        checker: checkers.get(b.branch)!,
        result: checkers.get(b.branch)!.finish({
          attempted,
          acked,
          expected: (id) => expected(b.branch, id),
        } satisfies FinishInput),
      }));
      const range = Math.max(attempted, acked.max() + 1);
      let unique = 0;
      let lost = 0;
      let duplicated = 0;
      let deliveredUnacked = 0;
      const lostSample: number[] = [];
      const duplicatedSample: number[] = [];
      for (let id = 0; id < range; id++) {
        let everywhere = true;
        let twice = false;
        for (const { checker } of perBranch) {
          const n = checker.deliveries(id);
          if (n === 0) everywhere = false;
          if (n > 1) twice = true;
        }
        const isAcked = acked.has(id);
        if (everywhere) {
          unique++;
          if (!isAcked) deliveredUnacked++;
        } else if (isAcked) {
          lost++;
          if (lostSample.length < SAMPLE_LIMIT) lostSample.push(id);
        }
        if (twice) {
          duplicated++;
          if (duplicatedSample.length < SAMPLE_LIMIT) duplicatedSample.push(id);
        }
      }
      const results = perBranch.map((p) => p.result);
      return {
        produced: acked.count(),
        delivered: unattributed + sum(results.map((r) => r.delivered)),
        unique,
        lost,
        duplicated,
        unexpected: unattributed + sum(results.map((r) => r.unexpected)),
        incorrect: sum(results.map((r) => r.incorrect)),
        deliveredUnacked,
        unattributed,
        samples: {
          lost: lostSample,
          duplicated: duplicatedSample,
          unexpected: [...unattributedSample, ...results.flatMap((r) => r.samples.unexpected)].slice(
            0,
            SAMPLE_LIMIT,
          ),
          incorrect: perBranch
            .flatMap((p) => p.result.samples.incorrect.map((x) => ({ ...x, branch: p.spec.branch })))
            .slice(0, SAMPLE_LIMIT),
        },
        branches: perBranch.map(({ spec, result: r }) => ({
          branch: spec.branch,
          operators: [...spec.operators],
          delivered: r.delivered,
          unique: r.unique,
          lost: r.lost,
          duplicated: r.duplicated,
          unexpected: r.unexpected,
          incorrect: r.incorrect,
        })),
      };
    },
  };
}

/**
 * What the runner counts with, whatever the topology: the fan-out's checker, or on a chain the chain's checker,
 * where an output naming a branch is unexpected (a chain has none).
 */
export function createAccounting(opts: {
  expectedIds: number;
  branches: readonly BranchSpec[] | null;
}): FanOutChecker {
  if (opts.branches) return createFanOutChecker({ expectedIds: opts.expectedIds, branches: opts.branches });
  const c = createChecker({ expectedIds: opts.expectedIds });
  return {
    observe: (id, score, readMs, branch) =>
      branch === undefined ? c.observe(id, score, readMs) : c.observeUnexpected(id),
    observeUnexpected: (id) => c.observeUnexpected(id),
    deliveredCount: () => c.deliveredCount(),
    backlogDeliveredAt: (beforeId, acked, allowLoss) => c.backlogDeliveredAt(beforeId, acked, allowLoss),
    finish: ({ attempted, acked, expected }) => ({
      ...c.finish({ attempted, acked, expected: (id) => expected('', id) }),
      branches: [],
      unattributed: 0,
    }),
  };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
