/**
 * The output operators (the sink), chosen by the guarantee, not by the sink's processing mode. at-least-once and
 * at-most-once: records go to Kafka as they arrive, and a window ends once they are acknowledged. exactly-once
 * (protocol step 7, Apex's route to end-to-end exactly-once: AT_LEAST_ONCE operators and an exactly-once output
 * operator): each window's batch is written in one Kafka transaction together with the window id, and windows
 * up to the stored id are skipped when the AT_LEAST_ONCE recovery replays them.
 */

import {
  connectTransactional,
  createKafka,
  outputMessages,
  type Producer,
  viaProxy,
} from '../../clients/kafka.ts';
import { createBatchingWriter } from '../runtime/batching-writer.ts';
import type { Tuple } from './messages.ts';
import type { OperatorEnv, OperatorLogic } from './operator-env.ts';
import { formatWindowId } from './window.ts';

/** Records per produce request of the transactional output (≈ 150 B each: far below message.max.bytes). */
const TX_CHUNK_RECORDS = 2000;

/** The at-least-once / at-most-once output: records go to Kafka as they come; a window ends once acked. */
export async function plainOutput(env: OperatorEnv): Promise<OperatorLogic> {
  const { boot, host } = env;
  const producer = host.kafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let failure: unknown;
  const writer = createBatchingWriter<Tuple>(async (values) => {
    await producer.send({ topic: boot.topics.output, messages: outputMessages(values) });
  });
  return {
    async process(records) {
      const { accepted, done } = writer.write(records);
      done.catch((e) => {
        failure ??= e;
      });
      await accepted;
    },
    async endWindow() {
      await writer.drain();
      if (failure) throw failure;
    },
    snapshot: () => '{}',
    stop: () => producer.disconnect(),
  };
}

/**
 * The exactly-once output operator. Each window's batch is written in one Kafka transaction (stable
 * transactional id per sink instance, so a restarted sink fences its predecessor) together with the window
 * id, and windows ≤ the stored id are skipped on replay. The id is committed inside the same transaction as
 * a consumer-group offset (group `fl-<run>-sink-<i>-window`, the output topic's partition 0 as the slot):
 * that is how Kafka's own exactly-once pipelines keep their input position atomically with their output,
 * and the window id is exactly this operator's input position. (Apex's JDBC exactly-once output keeps it in
 * a meta table written in the same database transaction; a Redis copy could not be atomic with Kafka.)
 */
export async function exactlyOnceOutput(env: OperatorEnv): Promise<OperatorLogic> {
  const { boot, ctx, clock } = env;
  // A transaction begun right after the previous commit meets CONCURRENT_TRANSACTIONS until the broker has
  // written the markers: retry that after ~20 ms, not the runtime's 100 ms (which caps short windows).
  const kafka = createKafka(boot.kafka.bootstrap, `fl-${boot.runId}-${boot.id}-tx`, {
    ...(boot.kafka.via ? { socketFactory: viaProxy(boot.kafka.bootstrap, boot.kafka.via) } : {}),
    retry: { initialRetryTime: 20, retries: 10 },
  });
  const producer: Producer = kafka.producer({
    transactionalId: `fl-${boot.runId}-sink-${boot.instance}`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  // The predecessor (a zombie, if it was declared dead while paused or cut off) is fenced and its open
  // transaction ended before we read the id: it can no longer commit a window after we decide what to skip.
  await connectTransactional(producer);
  const groupId = `fl-${boot.runId}-sink-${boot.instance}-window`;
  const admin = kafka.admin();
  await admin.connect();
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [boot.topics.output] });
  await admin.disconnect();
  let written = Number(offsets?.partitions.find((p) => p.partition === 0)?.offset ?? -1);
  if (!Number.isFinite(written)) written = -1;
  ctx.emit({
    type: 'sink.written-window',
    window: written,
    windowId: written >= 0 ? formatWindowId(clock, written) : null,
  });
  let pending: Tuple[] = [];
  let skipped = 0;
  return {
    process(records) {
      for (const r of records) pending.push(r);
    },
    async endWindow(w) {
      const records = pending;
      pending = [];
      if (w <= written) {
        skipped++;
        if (w === written)
          ctx.emit({
            type: 'sink.skipped',
            upTo: w,
            windows: skipped,
            windowId: formatWindowId(clock, w),
          });
        return;
      }
      if (records.length === 0) return; // nothing to write: replaying it writes nothing either
      const tx = await producer.transaction();
      try {
        // Several produce requests per window: a window after a stall can exceed the broker's message.max.bytes.
        for (let k = 0; k < records.length; k += TX_CHUNK_RECORDS)
          await tx.send({
            topic: boot.topics.output,
            messages: outputMessages(records.slice(k, k + TX_CHUNK_RECORDS)),
          });
        await tx.sendOffsets({
          consumerGroupId: groupId,
          topics: [{ topic: boot.topics.output, partitions: [{ partition: 0, offset: String(w) }] }],
        });
        await tx.commit();
      } catch (e) {
        await tx.abort().catch(() => {});
        throw e;
      }
      written = w;
    },
    snapshot: () => JSON.stringify({ written }),
    stop: () => producer.disconnect(),
  };
}
