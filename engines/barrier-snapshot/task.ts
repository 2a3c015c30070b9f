/**
 * A barrier-snapshot task process: one operator instance (source, features, score, challenger or sink) of a
 * Flink-style job. On the fan-out topology features sends every record to one score and one challenger task
 * (keyed), and the sink aligns barriers across the input channels of both branches. Protocol steps of PROTOCOLS.md's barrier-snapshot section:
 *  1. sources, on trigger(n) from the job manager, record their Kafka offsets and emit barrier n on every
 *     output channel (after the records they already emitted, before the ones they emit next);
 *  2. tasks with several inputs align (exactly-once: block a channel that delivered barrier n until n arrived on
 *     all of them) or not (at-least-once); then snapshot state (the copy synchronously, the write to Redis as
 *     checkpoint storage asynchronously), forward barrier n, and acknowledge n once the write is durable;
 *  4. the sink pre-commits its Kafka transaction on barrier n and commits on notifyCheckpointComplete(n);
 *  5. on (re)deploy a task restores its state from the checkpoint the job manager names; sources seek to the
 *     stored offsets;
 *  6. output is batched per channel and flushed when full or every buffer timeout.
 */
import type { Redis } from 'ioredis';
import { decodeJson, ownedConsumer, ownedPartitions, type Producer } from '../../clients/kafka.ts';
import { systemClock } from '../../core/clock.ts';
import type { BranchName, InputRecord, OutputRecord } from '../../core/types.ts';
import { challengerScore, score } from '../../core/workload.ts';
import { createBatchingWriter } from '../runtime/batching-writer.ts';
import type { WorkerBoot } from '../runtime/boot.ts';
import { FrameKind } from '../runtime/frames.ts';
import { keyPartition } from '../runtime/partitioner.ts';
import { scoredRecord } from '../runtime/stage-record.ts';
import { COORDINATOR_ID } from '../runtime/supervisor.ts';
import {
  branchOfOperator,
  downstreamOf,
  downstreamOperators,
  type OperatorName,
  topologyFor,
  upstreamOf,
} from '../runtime/topology.ts';
import { startWorkerHost } from '../runtime/worker-host.ts';
import { runWorker } from '../runtime/worker-main.ts';
import type { WorkloadKit } from '../types.ts';
import { InputGate } from './barrier-aligner.ts';
import { checkpointKey, controlTopic } from './checkpoint-storage.ts';
import { asMessage, type BarrierSnapshotMessage, type TaskMessage, toControl } from './messages.ts';
import type { BarrierSnapshotOptions } from './options.ts';
import { failingTaskOnError } from './task-failure.ts';
import { createTwoPhaseSink, type SinkSnapshot, type TwoPhaseSink } from './two-phase-sink.ts';

type Boot = WorkerBoot<BarrierSnapshotOptions>;

/** How long a deployed task waits for its consumers' links before it fails (Flink's back-off max is 10 s). */
const OUTPUT_LINK_WAIT_MS = 20_000;

/** A record between operators. */
interface Row {
  id: number;
  key: string;
  t: number;
  r: number;
  body?: unknown;
  f?: number[];
  score?: number;
  /** Fan-out: the branch that scored it. */
  branch?: BranchName;
}

await runWorker<Boot>(async (ctx) => {
  const boot = ctx.config;
  const o = boot.options;
  const op = boot.operator as OperatorName;
  const topology = topologyFor(boot.topology, boot.parallelism);
  const aligned = boot.guarantee === 'exactly-once';
  const sinkMode =
    o.sink === 'auto' ? (boot.guarantee === 'exactly-once' ? 'transactional' : 'plain') : o.sink;
  const kit = (await import(boot.workload.module)) as WorkloadKit;
  const workload = kit.getWorkload(boot.workload.name);
  const model = kit.loadModel(boot.workload.modelPath, boot.workload.name);
  const inputs = upstreamOf(topology, op).map((i) => i.id);
  const outputs = downstreamOf(topology, op).map((i) => i.id);
  /** Output channels per downstream operator: a record goes to one channel of each (two for a fan-out's features). */
  const routes = downstreamOperators(topology, op).map((to) =>
    topology.instances.filter((i) => i.operator === to).map((i) => i.id),
  );
  // Records and barriers from upstream pass the input gate: alignment, then snapshot before unblocking.
  const gate =
    inputs.length > 0
      ? new InputGate<Row[]>(inputs, aligned, {
          process: (from, rows) => operator.process(from, rows),
          snapshot: (n) => onAligned(n),
        })
      : undefined;

  // Restored before any record is processed: data that arrives earlier waits on this promise (its link blocks).
  let markRestored!: () => void;
  const restored = new Promise<void>((resolve) => {
    markRestored = resolve;
  });

  let operator!: {
    /** May return a promise that waits for output back-pressure. */
    process(from: string, rows: Row[]): unknown;
    /** The synchronous part of a snapshot: a copy of the state. */
    snapshot(n: number): Promise<unknown> | unknown;
    notify?(n: number): Promise<void>;
    trigger?(n: number): void;
    stop(): Promise<void>;
  };

  const host = await startWorkerHost(
    ctx,
    {
      // The host hands over a link's next frame only when the handler of its previous one has settled.
      onData: async (from, body) => {
        await restored;
        await gate!.onRecords(from, body as Row[]);
      },
      onControl: async (from, body) => {
        const m = asMessage(body);
        if (from === COORDINATOR_ID) return onCoordinator(m);
        if (m.type !== 'barrier') return;
        await restored;
        await gate!.onBarrier(from, m.id);
      },
    },
    {
      // Flink's network buffer: sent when its bytes fill a memory segment, else at the buffer timeout (no record count).
      batch: {
        maxRecords: Number.POSITIVE_INFINITY,
        maxBytes: o.networkBufferBytes,
        flushMs: o.bufferTimeoutMs,
      },
      // A record or barrier that cannot be delivered fails the task (Flink: RemoteTransportException); the job
      // manager then restores the whole job from the latest checkpoint. Never carry on with a hole in the stream.
      onDrop: (peer, kind, _body, reason) => {
        if (peer !== COORDINATOR_ID && kind !== FrameKind.HELLO)
          failTask(`could not send to ${peer}: ${reason}`);
      },
    },
  );
  const redis = host.redis();
  let failing = false;
  function failTask(cause: string) {
    if (failing) return;
    failing = true;
    ctx.emit({ type: 'task.failed', cause });
    void toCoordinator({ type: 'failed', cause });
    // Exit: the supervisor reports the lost task at once, whatever link is down.
    setTimeout(() => process.exit(1), 50);
  }
  /** How long a task's restore may take before it fails (the Kafka clients' 60 s default.api.timeout.ms). */
  const RESTORE_TIMEOUT_MS = 60_000;
  const toCoordinator = (m: TaskMessage) => host.sendControl(COORDINATOR_ID, toControl(m));
  /**
   * Emits rows into the output channels' buffers. The returned promise waits while a channel is full (back-
   * pressure, never drops while the peer is up); the emission itself is synchronous, so barriers stay ordered.
   */
  const emitAll = (rows: Row[]): Promise<unknown> =>
    Promise.all(
      rows.flatMap((row) =>
        routes.map((channels) =>
          host.mesh.sendBatched(channels[keyPartition(row.key, channels.length)]!, row),
        ),
      ),
    );

  /**
   * Snapshot n: copy state and forward the barrier in one synchronous step (no record can slip between them),
   * then write the copy to checkpoint storage and acknowledge (async). Only the sink's snapshot is async (its
   * pre-commit flush), and it has no outputs.
   */
  const onAligned = async (n: number) => {
    const snap = operator.snapshot(n);
    const copy = JSON.stringify(snap instanceof Promise ? await snap : snap);
    for (const dest of outputs) void host.sendControl(dest, toControl({ type: 'barrier', id: n }));
    void redis
      .set(checkpointKey(boot.runId, n, boot.id), copy)
      .then(() => toCoordinator({ type: 'ack', id: n, bytes: copy.length }))
      .catch((e) => toCoordinator({ type: 'decline', id: n, reason: (e as Error).message }));
  };

  /** The job manager's messages; what goes wrong fails the task (task-failure.ts). */
  async function onCoordinator(m: BarrierSnapshotMessage) {
    const what =
      m.type === 'deploy'
        ? deployed
          ? undefined
          : 'restore'
        : m.type === 'trigger' || m.type === 'notify'
          ? m.type
          : undefined;
    if (what === undefined) return handleCoordinator(m); // a repeated deploy: nothing to do
    await failingTaskOnError(what, () => handleCoordinator(m), failTask, RESTORE_TIMEOUT_MS);
  }

  async function handleCoordinator(m: BarrierSnapshotMessage) {
    if (m.type === 'deploy') {
      if (deployed) return;
      deployed = true;
      const from = m.restoreFrom;
      const state = from === null ? null : await redis.get(checkpointKey(boot.runId, from, boot.id));
      if (from !== null && state === null) throw new Error(`checkpoint ${from} has no state for ${boot.id}`);
      if (!(await outputLinksUp())) return;
      operator = await createOperator(state === null ? null : JSON.parse(state));
      ctx.emit({ type: from === null ? 'task.started' : 'task.restored', checkpoint: from });
      markRestored();
      await toCoordinator({ type: 'running' });
    } else if (m.type === 'trigger') {
      await restored;
      operator.trigger?.(m.id);
      await onAligned(m.id);
    } else if (m.type === 'notify') {
      await restored;
      await operator.notify?.(m.id);
    }
  }

  /**
   * Waits for the links to every output channel before the task emits anything. In Flink a task may start before
   * its consumers: its output waits in its result partition while they request it, retrying with back-off
   * (taskmanager.network.request-backoff.*). Output here is pushed, and a frame to a peer that is not up is
   * dropped, which fails the task; so a task whose consumers are still starting (tasks of a restarted job come
   * up seconds apart in containers) waits for them instead of failing the job again. A consumer that is not up
   * after OUTPUT_LINK_WAIT_MS fails the task.
   */
  async function outputLinksUp(): Promise<boolean> {
    const up = await Promise.all(outputs.map((o) => host.mesh.whenConnected(o, OUTPUT_LINK_WAIT_MS)));
    const missing = outputs.filter((_, i) => !up[i]);
    if (missing.length > 0)
      failTask(`output channel to ${missing.join(', ')} not up after ${OUTPUT_LINK_WAIT_MS} ms`);
    return missing.length === 0;
  }

  async function createOperator(state: unknown) {
    if (op === 'source') return createSource(state as { offsets: Record<number, number> } | null);
    if (op === 'features') {
      const states = new Map<string, unknown>(
        Object.entries((state as Record<string, unknown> | null) ?? {}),
      );
      return {
        process(_from: string, rows: Row[]) {
          return emitAll(
            rows.map((row) => {
              const step = workload.step(states.get(row.key), workload.parse(row.body), model.params);
              states.set(row.key, step.state);
              return { id: row.id, key: row.key, t: row.t, r: row.r, f: step.features };
            }),
          );
        },
        snapshot: () => Object.fromEntries(states),
        stop: async () => {},
      };
    }
    if (op === 'score' || op === 'challenger') {
      const scorer = op === 'score' ? score : challengerScore;
      // Fan-out: each output says which branch scored it; on the chain outputs stay as they were.
      const branch = topology.kind === 'fan-out' ? branchOfOperator(op) : undefined;
      return {
        process(_from: string, rows: Row[]) {
          return emitAll(rows.map((row) => scoredRecord(row, scorer(model, row.f!), branch)));
        },
        snapshot: () => ({}),
        stop: async () => {},
      };
    }
    return createSink(state as SinkSnapshot | null);
  }

  async function createSource(state: { offsets: Record<number, number> } | null) {
    const topic = boot.topics.input;
    const partitions = ownedPartitions(boot.instance, boot.parallelism.source, boot.topics.partitions);
    // Next offset to read per partition: what a snapshot records.
    const next = new Map<number, number>(partitions.map((p) => [p, state?.offsets[p] ?? 0]));
    const kafka = host.kafka();
    // A fresh group per attempt, sought to the checkpoint's offsets once it runs (Flink keeps offsets in its own
    // state, not in the group). Records before them that arrive before the seek takes effect are skipped.
    const groupId = `fl-${boot.runId}-fsrc-${boot.instance}-a${ctx.attempt}`;
    const consumer = ownedConsumer(kafka, { groupId, partitions, maxWaitTimeInMs: 20 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    // kafkajs restarts the consumer after a retriable error; a crash it does not recover from (e.g. "Failed to
    // find group coordinator" while a broker restarts) stops reading for good. Flink's source fails its task
    // then, and the job fails over; without this the source stalled silently and its records were never read.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!(payload as { restart?: boolean }).restart)
        failTask(`source consumer crashed: ${payload.error.message}`);
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const readUs = systemClock.nowUs();
        const expected = next.get(batch.partition) ?? 0;
        const rows: Row[] = [];
        for (const m of batch.messages) {
          if (!isRunning() || isStale()) break;
          const offset = Number(m.offset);
          if (offset < expected) continue; // before the restored position
          const rec = decodeJson<InputRecord>(m.value);
          rows.push({ id: rec.id, key: rec.key, t: rec.t, r: readUs, body: rec.body });
          next.set(batch.partition, offset + 1);
          resolveOffset(m.offset);
        }
        // Emitted and the offsets advanced in one synchronous step: a trigger sees both or neither.
        await emitAll(rows);
        await heartbeat();
      },
    });
    for (const [partition, offset] of next)
      if (offset > 0) consumer.seek({ topic, partition, offset: String(offset) });
    await joined;
    ctx.emit({ type: 'source.positioned', offsets: Object.fromEntries(next) });
    // Read progress on the timeline: after a restore, (last progress − restored offsets) is what is replayed.
    const progress = setInterval(
      () => ctx.emit({ type: 'source.progress', offsets: Object.fromEntries(next) }),
      500,
    );
    return {
      process() {},
      trigger() {},
      snapshot: () => ({ offsets: Object.fromEntries(next) }),
      stop: () => {
        clearInterval(progress);
        return consumer.disconnect().catch(() => {});
      },
    };
  }

  async function createSink(state: SinkSnapshot | null) {
    const kafka = host.kafka();
    const toOutput = (rows: Row[]): OutputRecord[] => {
      const w = systemClock.nowUs();
      return rows.map((r) => ({
        id: r.id,
        key: r.key,
        t: r.t,
        score: r.score!,
        r: r.r,
        w,
        ...(r.branch ? { branch: r.branch } : {}),
      }));
    };
    if (sinkMode === 'plain') {
      const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const writer = createBatchingWriter<OutputRecord>(async (records) => {
        await producer.send({
          topic: boot.topics.output,
          messages: records.map((r) => ({ key: r.key, value: JSON.stringify(r) })),
        });
      });
      return {
        async process(_from: string, rows: Row[]) {
          const { accepted, done } = writer.write(toOutput(rows));
          done.catch((e) => ctx.emit({ type: 'sink.write-failed', error: (e as Error).message }));
          await accepted;
        },
        // At-least-once output: everything written is visible at once; a barrier only needs the writes flushed.
        snapshot: async () => {
          await writer.drain();
          return {};
        },
        stop: async () => {
          await writer.drain();
          await producer.disconnect().catch(() => {});
        },
      };
    }
    const admin = kafka.admin();
    await admin.connect();
    await admin
      // One partition per sink instance: each reads back only its own markers at restore.
      .createTopics({ topics: [{ topic: controlTopic(boot.runId), numPartitions: boot.parallelism.sink }] })
      .catch(() => false);
    await admin.disconnect();
    const sink: TwoPhaseSink = await createTwoPhaseSink({
      kafka,
      topic: boot.topics.output,
      controlTopic: controlTopic(boot.runId),
      controlPartition: boot.instance,
      transactionalIdPrefix: `fl-${boot.runId}-${boot.id}`,
      poolSize: o.producerPoolSize,
      restore: state,
      onCommitted: (id, records) => ctx.emit({ type: 'transaction.committed', checkpoint: id, records }),
    });
    return {
      process(_from: string, rows: Row[]) {
        sink.write(toOutput(rows));
      },
      snapshot: (n: number) => sink.preCommit(n),
      notify: async (n: number) => {
        await sink.commitUpTo(n);
      },
      stop: () => sink.close(),
    };
  }

  // Register until deployed: the job manager may not be listening yet (or restarting), and a message to an
  // unreachable peer is dropped, not queued.
  let deployed = false;
  const registering = setInterval(() => {
    if (deployed) clearInterval(registering);
    else void toCoordinator({ type: 'register' });
  }, 500);
  void toCoordinator({ type: 'register' });
  ctx.ready();
  await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  await operator?.stop();
  await host.close();
});

export type { Redis };
