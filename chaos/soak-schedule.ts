/**
 * Random fault schedules for a soak (Jepsen's generator of nemesis operations): from one seed, a short list
 * of faults drawn over every target a deployment has — kills and pauses of any worker or the coordinator,
 * partitions and latency on any link (worker → worker, worker ↔ coordinator, worker → Redis, worker → Kafka),
 * Redis and Kafka outages — at random times and for random durations, so faults may overlap. The schedule is
 * plain data (explicit `faults`), so a run can be replayed from a file and shrunk by dropping faults.
 *
 * Targets come from the standard topology, the names every engine's deployment uses (engines/runtime).
 */
import { BadInputError } from '../core/errors.ts';
import { createRng } from '../core/rng.ts';
import type { FaultSpec } from '../core/types.ts';
import { linkName } from '../engines/runtime/proxies.ts';
import { COORDINATOR_ID } from '../engines/runtime/supervisor.ts';
import { dataLinks, standardTopology } from '../engines/runtime/topology.ts';
import type { Parallelism } from '../engines/types.ts';
import { FAULT_KINDS } from './faults.ts';

/** What a soak draws from unless told otherwise: process, link and service faults that every engine survives by design. */
export const SOAK_KINDS = ['kill', 'pause', 'partition', 'latency', 'redis-outage', 'kafka-restart'] as const;

export interface SoakTargets {
  /** Worker ids and `coordinator`. */
  processes: string[];
  /** `link:a->b` for data links, worker ↔ coordinator, worker → redis, worker → kafka. */
  links: string[];
}

export function soakTargets(parallelism: Parallelism): SoakTargets {
  const topology = standardTopology(parallelism);
  const workers = topology.instances.map((i) => i.id);
  const links = [
    ...dataLinks(topology).map(([a, b]) => linkName(a, b)),
    ...workers.flatMap((w) => [
      linkName(w, COORDINATOR_ID),
      linkName(COORDINATOR_ID, w),
      linkName(w, 'redis'),
      linkName(w, 'kafka'),
    ]),
  ];
  return { processes: [...workers, COORDINATOR_ID], links };
}

export interface SoakScheduleOptions {
  kinds: readonly string[];
  targets: SoakTargets;
  /** Measured seconds of the run: faults start in its first 60 %, so recovery can be seen before it ends. */
  durationS: number;
  /** At most this many faults (at least 1); default 4. */
  maxFaults?: number;
}

/** Durations of faults that last, seconds: long enough for heartbeat timeouts (5 s in the catalogue) to fire. */
const MIN_FOR_S = 1;
const MAX_FOR_S = 7;
/** Latency toxics: a few ms (noise) up to beyond a send timeout. */
const LATENCIES_MS = [20, 100, 500, 1500];

/** Checks `--kinds`: known kinds that the soak can aim (process, link and service kinds; not `disconnect`). */
export function validateSoakKinds(kinds: readonly string[]): void {
  if (kinds.length === 0)
    throw new BadInputError('--kinds is empty', { fix: `name one or more of: ${SOAK_KINDS.join(', ')}` });
  for (const k of kinds) {
    const kind = FAULT_KINDS[k];
    if (!kind || k === 'disconnect')
      throw new BadInputError(`--kinds: "${k}" is not a fault kind a soak can draw`, {
        fix: `use a comma-separated list of: ${Object.keys(FAULT_KINDS)
          .filter((n) => n !== 'disconnect')
          .join(', ')}`,
      });
  }
}

/** The schedule for one seed: the same seed and options always give the same faults (sorted by time). */
export function drawSoakSchedule(seed: number, opts: SoakScheduleOptions): FaultSpec[] {
  validateSoakKinds(opts.kinds);
  const rng = createRng(`${seed}:soak`);
  const count = 1 + rng.int(Math.max(1, opts.maxFaults ?? 4));
  const latest = Math.max(1, opts.durationS * 0.6);
  const faults: FaultSpec[] = [];
  for (let i = 0; i < count; i++) {
    const name = opts.kinds[rng.int(opts.kinds.length)]!;
    const kind = FAULT_KINDS[name]!;
    const pool =
      kind.targets === 'process'
        ? opts.targets.processes
        : kind.targets === 'link'
          ? opts.targets.links
          : [name.startsWith('kafka') ? 'kafka' : 'redis'];
    const target = pool[rng.int(pool.length)]!;
    const at = Math.round(rng.range(0, latest) * 10) / 10;
    const params: Record<string, unknown> =
      name === 'latency' ? { latency: LATENCIES_MS[rng.int(LATENCIES_MS.length)]!, stream: 'both' } : {};
    faults.push({
      kind: name,
      target,
      at,
      for: kind.needsDuration ? Math.round(rng.range(MIN_FOR_S, MAX_FOR_S) * 10) / 10 : undefined,
      params,
    });
  }
  faults.sort((a, b) => a.at - b.at);
  // Two outages of one service that overlap would stop it twice and start it twice at once (the second start
  // finds the port taken: a Kafka that never comes back). A service fault that overlaps an earlier one on the
  // same service is left out; process and link faults may overlap freely.
  const kept: FaultSpec[] = [];
  for (const f of faults) {
    const service = FAULT_KINDS[f.kind]!.targets === 'service';
    const clash = kept.some(
      (k) =>
        service &&
        k.target === f.target &&
        FAULT_KINDS[k.kind]!.targets === 'service' &&
        f.at < k.at + (k.for ?? 0),
    );
    if (!clash) kept.push(f);
  }
  return kept;
}
