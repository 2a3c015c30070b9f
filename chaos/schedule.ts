/**
 * Randomized fault schedules as data: `random: { kinds, targets, start, interval, count, for }` expands into
 * a fixed list of faults from the run seed, so the same seed gives the same faults (and a report can show
 * exactly what happened). Kinds and targets are paired at random; validation happens on the expanded list.
 */
import { createRng } from '../core/rng.ts';
import type { FaultSpec, RandomFaultSpec } from '../core/types.ts';
import { FAULT_KINDS } from './faults.ts';

export function expandRandomFaults(spec: RandomFaultSpec | undefined, seed: number): FaultSpec[] {
  if (!spec || spec.count <= 0) return [];
  const rng = createRng(`${seed}:nemesis`);
  const faults: FaultSpec[] = [];
  for (let i = 0; i < spec.count; i++) {
    const kind = spec.kinds[rng.int(spec.kinds.length)]!;
    // Prefer a target of the right sort for the kind (links for network faults, processes otherwise).
    const wantsLink = FAULT_KINDS[kind]?.targets === 'link';
    const wantsService = FAULT_KINDS[kind]?.targets === 'service';
    const fitting = spec.targets.filter((t) =>
      wantsLink
        ? t.startsWith('link:')
        : wantsService
          ? t === 'redis' || t === 'kafka'
          : !t.startsWith('link:') && t !== 'redis' && t !== 'kafka',
    );
    const pool = fitting.length > 0 ? fitting : spec.targets;
    const target = pool[rng.int(pool.length)]!;
    const at = Math.round((spec.start + i * spec.interval + rng.range(0, spec.interval / 2)) * 1000) / 1000;
    faults.push({
      kind,
      target,
      at,
      for: FAULT_KINDS[kind]?.needsDuration ? spec.for : undefined,
      params: {},
    });
  }
  return faults;
}
