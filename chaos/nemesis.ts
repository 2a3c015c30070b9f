/**
 * The nemesis (Jepsen's name): injects a run's faults on schedule, heals each after its duration, records
 * every fault on the run's timeline with exact times, and heals whatever is still injected in a final
 * `healAll`, which the runner calls when the load ends and also when the run fails.
 *
 * A fault enters `records()` only once its injection succeeded, with `at` = when the injection began (the
 * engine may notice a fault before the call that made it returns). An injection that failed is no fault: it
 * goes to `onError` with phase 'inject' and to `errors()`, and the run reports it as its own error — except
 * one whose target was not running when it was due (being restarted after an earlier fault): that fault could
 * not happen, goes to `onSkip` and `skipped()`, and the run is judged on the faults that did happen.
 */
import { type Clock, systemClock } from '../core/clock.ts';
import type { FaultRecord, FaultSpec } from '../core/types.ts';
import { FAULT_KINDS, type Heal, TargetNotRunningError } from './faults.ts';
import type { TargetResolver } from './targets.ts';

export { FAULT_KINDS, faultKindNames, validateFaultKinds, validateFaults } from './faults.ts';
export type { TargetResolver } from './targets.ts';

export interface Nemesis {
  /** Starts the schedule: `at: 0` happens at `originUs`; recorded times are seconds from `runStartUs`. */
  start(originUs: number, runStartUs: number): void;
  /** Heals everything still injected and cancels what has not happened yet. Safe to call twice. */
  healAll(): Promise<void>;
  /** Faults whose injection succeeded, in order of injection. */
  records(): FaultRecord[];
  /** Injections and heals that failed. */
  errors(): NemesisError[];
  /** Faults skipped because their target was not running when they were due. */
  skipped(): NemesisError[];
}

const skippedEntry = (r: FaultRecord) => ({
  phase: 'inject' as const,
  kind: r.kind,
  target: r.target,
  at: r.at,
});

export interface NemesisError {
  phase: 'inject' | 'heal';
  kind: string;
  target: string;
  /** Seconds from run start when the action began. */
  at: number;
  error: string;
}

/** The do-nothing nemesis (for runs without faults, and tests). */
export const noopNemesis: Nemesis = {
  start() {},
  healAll: async () => {},
  records: () => [],
  errors: () => [],
  skipped: () => [],
};

export function createNemesis(
  faults: readonly FaultSpec[],
  resolver: TargetResolver,
  opts: {
    clock?: Clock;
    onFault?: (record: FaultRecord, phase: 'inject' | 'heal') => void;
    onError?: (e: Error, error: NemesisError) => void;
    /** A fault that could not happen because its target was not running (being restarted): neither a fault nor an error. */
    onSkip?: (skipped: NemesisError) => void;
  } = {},
): Nemesis {
  if (faults.length === 0) return noopNemesis;
  const clock = opts.clock ?? systemClock;
  const timers: NodeJS.Timeout[] = [];
  const active = new Map<number, { heal: Heal; record: FaultRecord }>();
  const records: FaultRecord[] = [];
  const errors: NemesisError[] = [];
  const skipped: NemesisError[] = [];
  let runStart = 0;
  const fail = (phase: NemesisError['phase'], record: FaultRecord, at: number, e: unknown) => {
    const error = e instanceof Error ? e : new Error(String(e));
    const entry: NemesisError = { phase, kind: record.kind, target: record.target, at, error: error.message };
    errors.push(entry);
    opts.onError?.(error, entry);
  };
  let stopped = false;
  const sinceStart = () => Math.round((clock.nowUs() - runStart) / 1000) / 1000;

  const heal = async (index: number) => {
    const entry = active.get(index);
    if (!entry) return;
    active.delete(index);
    const began = sinceStart();
    try {
      await entry.heal();
    } catch (e) {
      fail('heal', entry.record, began, e);
    } finally {
      entry.record.until = sinceStart();
      opts.onFault?.(entry.record, 'heal');
    }
  };

  return {
    start(originUs, runStartUs) {
      runStart = runStartUs;
      faults.forEach((f, index) => {
        const delayMs = Math.max(0, (originUs + f.at * 1e6 - clock.nowUs()) / 1000);
        timers.push(
          setTimeout(async () => {
            if (stopped) return;
            const record: FaultRecord = { kind: f.kind, target: f.target, at: sinceStart(), until: null };
            let h: Heal | undefined;
            try {
              h = (await FAULT_KINDS[f.kind]!.inject(f, resolver)) ?? undefined;
            } catch (e) {
              if (e instanceof TargetNotRunningError) {
                const entry: NemesisError = { ...skippedEntry(record), error: e.message };
                skipped.push(entry);
                opts.onSkip?.(entry);
              } else fail('inject', record, record.at, e);
              return;
            }
            records.push(record);
            opts.onFault?.(record, 'inject');
            if (h) {
              active.set(index, { heal: h, record });
              if (stopped) await heal(index);
              else timers.push(setTimeout(() => void heal(index), (f.for ?? 0) * 1000));
            }
          }, delayMs),
        );
      });
    },
    async healAll() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const index of [...active.keys()]) await heal(index);
    },
    records: () => records,
    errors: () => errors,
    skipped: () => skipped,
  };
}
