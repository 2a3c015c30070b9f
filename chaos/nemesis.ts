/**
 * The nemesis (Jepsen's name): injects the scenario's faults on schedule, heals them, and records every fault
 * on the run's timeline with exact times. A final `healAll` always runs, also when the run fails.
 *
 * Faults are plain data (`FaultSpec`); each kind has an inject and a heal. This file holds the process faults
 * (SIGKILL, SIGSTOP/SIGCONT of a worker); network and infrastructure faults join the same catalogue.
 */
import { type Clock, systemClock } from '../core/clock.ts';
import { BadInputError } from '../core/errors.ts';
import type { FaultRecord, FaultSpec } from '../core/types.ts';

/** What a fault acts on, resolved from the deployment at injection time (a restarted worker has a new pid). */
export interface TargetResolver {
  /** The current pid of a worker such as `features[1]`, or undefined when it is not running. */
  workerPid(target: string): number | undefined;
  /** Every target name the deployment knows (for validation and error messages). */
  targets(): string[];
}

interface FaultKind {
  description: string;
  /** Does this kind need a duration (`for`)? */
  needsDuration: boolean;
  validateTarget(target: string, resolver: TargetResolver): string | undefined;
  inject(target: string, resolver: TargetResolver): Promise<Heal | undefined>;
}

type Heal = () => Promise<void>;

const isWorker = (target: string, r: TargetResolver) =>
  r.targets().includes(target) ? undefined : `unknown target "${target}" (known: ${r.targets().join(', ')})`;

export const FAULT_KINDS: Record<string, FaultKind> = {
  kill: {
    description: 'SIGKILL a worker process; the engine supervises its return',
    needsDuration: false,
    validateTarget: isWorker,
    async inject(target, r) {
      const pid = r.workerPid(target);
      if (pid !== undefined) signal(pid, 'SIGKILL');
      return undefined;
    },
  },
  pause: {
    description: 'SIGSTOP a worker for `for` seconds, then SIGCONT (a hung process)',
    needsDuration: true,
    validateTarget: isWorker,
    async inject(target, r) {
      const pid = r.workerPid(target);
      if (pid === undefined) return undefined;
      signal(pid, 'SIGSTOP');
      return async () => signal(pid, 'SIGCONT');
    },
  },
};

export function faultKindNames(): string[] {
  return Object.keys(FAULT_KINDS);
}

/** Checks kinds, durations and targets before the run starts; throws BadInputError naming the fault. */
export function validateFaults(faults: readonly FaultSpec[], resolver: TargetResolver): void {
  faults.forEach((f, i) => {
    const kind = FAULT_KINDS[f.kind];
    const where = `faults[${i}]`;
    if (!kind) {
      throw new BadInputError(`${where}: unknown fault kind "${f.kind}"`, {
        code: 'BAD_SCENARIO',
        fix: `use one of: ${faultKindNames().join(', ')}`,
      });
    }
    if (kind.needsDuration && !(f.for && f.for > 0)) {
      throw new BadInputError(`${where}: a ${f.kind} fault needs a duration ("for: 10s")`, {
        code: 'BAD_SCENARIO',
      });
    }
    const problem = kind.validateTarget(f.target, resolver);
    if (problem) throw new BadInputError(`${where}: ${problem}`, { code: 'BAD_SCENARIO' });
  });
}

export interface Nemesis {
  /** Starts the schedule; `originUs` is when `at: 0` happens; fault times in records are from `runStartUs`. */
  start(originUs: number, runStartUs: number): void;
  /** Heals everything still injected and cancels what has not happened yet. Safe to call twice. */
  healAll(): Promise<void>;
  records(): FaultRecord[];
}

export function createNemesis(
  faults: readonly FaultSpec[],
  resolver: TargetResolver,
  opts: {
    clock?: Clock;
    onFault?: (record: FaultRecord, phase: 'inject' | 'heal') => void;
    onError?: (e: Error) => void;
  } = {},
): Nemesis {
  const clock = opts.clock ?? systemClock;
  const timers: NodeJS.Timeout[] = [];
  const active = new Map<number, { heal: Heal; record: FaultRecord }>();
  const records: FaultRecord[] = [];
  let runStart = 0;
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
            const record: FaultRecord = { kind: f.kind, target: f.target, at: sinceStart(), until: null };
            records.push(record);
            try {
              const h = await FAULT_KINDS[f.kind]!.inject(f.target, resolver);
              opts.onFault?.(record, 'inject');
              if (h) {
                active.set(index, { heal: h, record });
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
      for (const t of timers) clearTimeout(t);
      for (const index of [...active.keys()]) await heal(index);
    },
    records: () => records,
  };
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already: nothing to do
  }
}
