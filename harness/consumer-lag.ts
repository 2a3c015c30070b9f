/**
 * Consumer lag read from Kafka, for engines that commit their input offsets there (Engine.committedOffsets):
 * per input partition, the log-end offset minus the highest offset any of the engine's groups committed. It is
 * the engine's own account of what it has not finished, next to the harness's backlog (produced − delivered),
 * and it trails by up to the engine's commit interval. An engine that keeps its offsets in a checkpoint has no
 * such figure: it is not read, never made up.
 */
import type { Kafka } from '../clients/kafka.ts';

export interface ConsumerLagSample {
  /** Seconds since run start when the offsets were read. */
  second: number;
  /** Events in the input topic beyond the committed offsets; null while a partition has no commit yet. */
  lag: number | null;
}

/** Log-end offsets of the input partitions and each group's committed offsets (-1: none) → the lag. */
export function lagFrom(
  ends: readonly { partition: number; offset: string }[],
  committed: readonly (readonly { partition: number; offset: string }[])[],
): number | null {
  let lag = 0;
  for (const end of ends) {
    let best = -1;
    for (const group of committed)
      for (const c of group) if (c.partition === end.partition) best = Math.max(best, Number(c.offset));
    if (best < 0) return null;
    lag += Math.max(0, Number(end.offset) - best);
  }
  return lag;
}

/** Reads the lag of the run's groups named `fl-<runId>-<groupInfix>…` on `topic`. */
export async function readConsumerLag(
  admin: ReturnType<Kafka['admin']>,
  runId: string,
  groupInfix: string,
  topic: string,
): Promise<number | null> {
  const prefix = `fl-${runId}-${groupInfix}`;
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
  if (groups.length === 0) return null;
  const ends = await admin.fetchTopicOffsets(topic);
  const committed = await Promise.all(
    groups.map(
      async (groupId) => (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]?.partitions ?? [],
    ),
  );
  return lagFrom(ends, committed);
}
