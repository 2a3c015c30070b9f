/**
 * The output audit: after the drain, a second, independent reader reads the whole output topic (read_committed,
 * a consumer group of its own, from the beginning to the end the topic had when the audit began) and looks for
 * trusted deliveries the collector never read. It is the evidence behind a loss: "lost 13170" rests on one
 * consumer's reads, and that consumer can die in a Kafka restart (soak seed 29, session 9). The runner audits when
 * the verdict or the counts depend on the collector having read everything: ids were lost, or the collector had
 * an incident. Found deliveries the collector missed make the run's counts wrong, and the verdict "unknown".
 */
import type { Kafka } from '../clients/kafka.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import type { OutputRecord } from '../core/types.ts';

export interface AuditResult {
  /** Output records the audit read. */
  records: number;
  /** It reached, on every partition, the end the topic had when it began. */
  complete: boolean;
  /** Trusted deliveries (id and branch) in the topic that the collector never read. */
  missed: number;
  /** Some of their ids. */
  missedSample: number[];
  durationMs: number;
}

export interface AuditOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  /** Whether an output is a trusted delivery of its id (the collector's rule: the schedule's intended time). */
  trusted: (id: number, t: number) => boolean;
  /** Whether the collector read a trusted delivery of this id on this branch ('' on a chain). */
  collectorRead: (branch: string, id: number) => boolean;
  /** The longest the audit reads (an open transaction can hold read_committed back), ms. */
  capMs?: number;
  clock?: Clock;
}

const SAMPLE = 10;
export const AUDIT_CAP_MS = 20_000;

export async function auditOutput(opts: AuditOptions): Promise<AuditResult> {
  const clock = opts.clock ?? systemClock;
  const startUs = clock.nowUs();
  const admin = opts.kafka.admin();
  await admin.connect();
  /** Per partition, the offset the audit must reach: the topic's end when it began. */
  let ends: Map<number, bigint>;
  try {
    ends = new Map(
      (await admin.fetchTopicOffsets(opts.topic)).map((p) => [p.partition, BigInt(p.high)] as const),
    );
  } finally {
    await admin.disconnect();
  }
  const reached = new Map<number, bigint>();
  const done = () => [...ends].every(([p, end]) => (reached.get(p) ?? 0n) >= end);
  const missedKeys = new Set<string>();
  const missedSample: number[] = [];
  let records = 0;

  const consumer = opts.kafka.consumer({
    groupId: opts.groupId,
    readUncommitted: false,
    maxWaitTimeInMs: 100,
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: opts.topic, fromBeginning: true });
    // lastOffset counts control records and aborted records too: the audit reaches a partition's end even when
    // its last records are a transaction's commit marker.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const next = BigInt(payload.lastOffset) + 1n;
      if (next > (reached.get(payload.partition) ?? 0n)) reached.set(payload.partition, next);
    });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          records++;
          let out: OutputRecord;
          try {
            out = JSON.parse(m.value?.toString('utf8') ?? '') as OutputRecord;
          } catch {
            continue; // the collector counted it as malformed
          }
          if (!Number.isInteger(out.id) || !opts.trusted(out.id, out.t)) continue;
          const branch = out.branch === undefined ? '' : String(out.branch);
          if (opts.collectorRead(branch, out.id)) continue;
          const key = `${branch}:${out.id}`;
          if (missedKeys.has(key)) continue;
          missedKeys.add(key);
          if (missedSample.length < SAMPLE) missedSample.push(out.id);
        }
      },
    });
    const capUs = startUs + (opts.capMs ?? AUDIT_CAP_MS) * 1000;
    while (!done() && clock.nowUs() < capUs) await clock.sleep(100);
  } finally {
    await consumer.disconnect();
  }
  return {
    records,
    complete: done(),
    missed: missedKeys.size,
    missedSample,
    durationMs: Math.round((clock.nowUs() - startUs) / 1000),
  };
}

/** The run's note on its audit, and whether the verdict must become "unknown". */
export function auditNote(audit: AuditResult, lost: number): { note: string; unknown: boolean } {
  const read = `an independent read of the output topic after the drain (${audit.records} records, ${(audit.durationMs / 1000).toFixed(1)} s)`;
  if (audit.missed > 0)
    return {
      note: `${read} found ${audit.missed} deliveries the collector never read (e.g. id ${audit.missedSample.join(', ')}): its counts are incomplete, the verdict cannot rest on them`,
      unknown: true,
    };
  if (!audit.complete)
    return {
      note: `${read} did not reach the end of the topic (an open transaction?); it found nothing the collector missed up to where it read`,
      unknown: false,
    };
  return {
    note: `${read} found nothing the collector missed${lost > 0 ? `: the ${lost} lost ids are not in the topic` : ''}`,
    unknown: false,
  };
}
