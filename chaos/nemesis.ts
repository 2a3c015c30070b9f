/**
 * The nemesis (Jepsen's name): injects a run's faults on schedule, heals each after its duration, records
 * every fault on the run's timeline with exact times, and heals whatever is still injected in a final
 * `healAll`, which the runner calls also when the run fails.
 */
import { type Clock, systemClock } from '../core/clock.ts';
import type { FaultRecord, FaultSpec } from '../core/types.ts';
import { FAULT_KINDS, type Heal } from './faults.ts';
import type { TargetResolver } from './targets.ts';

export { FAULT_KINDS, faultKindNames, validateFaultKinds, validateFaults } from './faults.ts';
export type { TargetResolver } from './targets.ts';

export interface Nemesis {
  /** Starts the schedule: `at: 0` happens at `originUs`; recorded times are seconds from `runStartUs`. */
  start(originUs: number, runStartUs: number): void;
  /** Heals everything still injected and cancels what has not happened yet. Safe to call twice. */
  healAll(): Promise<void>;
  records(): FaultRecord[];
}

/** The do-nothing nemesis (for runs without faults, and tests). */
export const noopNemesis: Nemesis = { start() {}, healAll: async () => {}, records: () => [] };

export function createNemesis(
  faults: readonly FaultSpec[],
  resolver: TargetResolver,
  opts: {
    clock?: Clock;
    onFault?: (record: FaultRecord, phase: 'inject' | 'heal') => void;
    onError?: (e: Error) => void;
  } = {},
): Nemesis {
  if (faults.length === 0) return noopNemesis;
  const clock = opts.clock ?? systemClock;
  const timers: NodeJS.Timeout[] = [];
  const active = new Map<number, { heal: Heal; record: FaultRecord }>();
  const records: FaultRecord[] = [];
  let runStart = 0;
  let stopped = false;
  const sinceStart = () => Math.round((clock.nowUs() - runStart) / 1000) / 1000;

  const heal = async (index: number) => {
    const entry = active.get(index);
    if (!entry) return;
    active.delete(index);
    try {
      await entry.heal();
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
            records.push(record);
            try {
              const h = await FAULT_KINDS[f.kind]!.inject(f, resolver);
              opts.onFault?.(record, 'inject');
              if (h) {
                active.set(index, { heal: h, record });
                if (stopped) await heal(index);
                else
                  timers.push(
                    setTimeout(() => void heal(index).catch((e) => opts.onError?.(e)), (f.for ?? 0) * 1000),
                  );
              }
            } catch (e) {
              opts.onError?.(e as Error);
            }
          }, delayMs),
        );
      });
    },
    async healAll() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      for (const index of [...active.keys()]) await heal(index).catch((e) => opts.onError?.(e));
    },
    records: () => records,
  };
}
