/**
 * Records Flink's sources read again after a failover (summary.json blastRadius.recordsReplayed), from the
 * REST API's source metrics: every attempt of a source subtask reads from the restored checkpoint's offsets
 * and counts from zero, so Σ over (subtask, attempt) of the last `numRecordsOut` seen, minus the records in the
 * input (Σ over partitions of the sources' `currentOffset` + 1: it is the offset of the last record read, so a
 * fault-free run gives 0), is what was read more than once. A lower bound:
 * an attempt's count is the last one polled before it died (polls every 500 ms).
 */
export interface SourceSubtaskReading {
  subtask: number;
  attempt: number;
  /** The subtask's numRecordsOut in this attempt. */
  recordsOut: number;
  /** currentOffset of each partition this subtask reads (partition → offset of the last record read). */
  offsets: Record<string, number>;
}

export function createReplayCount() {
  const readByAttempt = new Map<string, number>();
  const offsets = new Map<string, number>();
  return {
    observe(readings: readonly SourceSubtaskReading[]): void {
      for (const r of readings) {
        const key = `${r.subtask}#${r.attempt}`;
        readByAttempt.set(key, Math.max(readByAttempt.get(key) ?? 0, r.recordsOut));
        for (const [partition, offset] of Object.entries(r.offsets)) {
          offsets.set(partition, Math.max(offsets.get(partition) ?? 0, offset));
        }
      }
    },
    replayed(): number {
      let read = 0;
      for (const n of readByAttempt.values()) read += n;
      let input = 0;
      for (const o of offsets.values()) input += o + 1;
      return Math.max(0, read - input);
    },
  };
}

/** The REST metric id of a KafkaSource partition's current offset (Flink writes the topic's dots as _). */
export function currentOffsetMetric(sourceName: string, topic: string, partition: number): string {
  return `${sourceName}.KafkaSourceReader.topic.${topic.replaceAll('.', '_')}.partition.${partition}.currentOffset`;
}
