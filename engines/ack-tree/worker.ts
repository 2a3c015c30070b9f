/**
 * An ack-tree worker process: its executors (one operator instance, a spout or a bolt, by default; its share of
 * the topology's executors under `workers=N`, Storm's topology.workers, which pass tuples to each other in memory)
 * plus the acker task every Storm worker hosts. Protocol steps are PROTOCOLS.md's ack-tree section:
 *
 *  1. spout (source[i]): reads its Kafka partitions; per record draws a root id and an edge, keeps the tuple
 *     pending, sends ack_init(root, edge, task) to acker(root) and the tuple to features[hash(key)].
 *  2. bolts (features, score, sink): per input draw a fresh edge per output, emit anchored outputs, then
 *     ack(root, inputEdge ^ childrenXor) to acker(root); fail(root) when processing throws. On the fan-out
 *     topology the feature bolt emits two anchored children per input, one to each branch (score, challenger):
 *     the tree completes only when both branches acked, so a failure on one replays the record on both.
 *  3. the acker task in every worker keeps the XOR ledger and tells the spout ACK or FAIL; 3-bucket expiry.
 *  4. the spout's pending map rotates every T: trees not acked in T..2T fail with reason timeout; a failed
 *     tuple waits out the retry service's exponential back-off (KafkaSpout's default), then is re-read from Kafka
 *     (seek back to the earliest ready offset) and re-emitted under a new root id; max.spout.pending caps pending.
 *  5. the spout commits the contiguous acked prefix of offsets every commit interval.
 *  7. at-most-once (no ackers): nothing is anchored, offsets are committed as soon as records are emitted.
 * Feature state lives in Redis and is not rolled back on replay (the Storm way).
 */

import { decodeJson, outputMessages, ownedConsumer, ownedPartitions } from '../../clients/kafka.ts';
import { systemClock } from '../../core/clock.ts';
import { createRng } from '../../core/rng.ts';
import type { InputRecord } from '../../core/types.ts';
import { challengerScore, score } from '../../core/workload.ts';
import { type BatchingWriter, createBatchingWriter } from '../runtime/batching-writer.ts';
import type { WorkerBoot } from '../runtime/boot.ts';
import { createOutbox, unbatch } from '../runtime/outbox.ts';
import { keyPartition } from '../runtime/partitioner.ts';
import { createRedisStateStore } from '../runtime/redis-state.ts';
import { type StageRecord, scoredRecord } from '../runtime/stage-record.ts';
import {
  branchOfOperator,
  downstreamOperators,
  type Instance,
  type OperatorName,
  topologyFor,
  workerId,
} from '../runtime/topology.ts';
import { type ControlMessage, startWorkerHost, type WorkerHost } from '../runtime/worker-host.ts';
import { runWorker } from '../runtime/worker-main.ts';
import type { WorkloadKit } from '../types.ts';
import { type AckerOutcome, AckLedger } from './acker.ts';
import {
  ackerFor,
  ackMessages,
  boltOutput,
  decodeId,
  decodeMessageId,
  encodeId,
  encodeMessageId,
  failMessages,
  type MessageId,
  spoutEmit,
  type WireMessageId,
} from './anchoring.ts';
import { OffsetManager } from './offset-manager.ts';
import type { AckTreeOptions } from './options.ts';
import { ReceiveQueue, STORM_RECEIVE_BUFFER } from './receive-queue.ts';
import { RetryService } from './retry-service.ts';
import { emitWhenPendingRoom, SpoutPending } from './spout-pending.ts';

/**
 * A tuple on the wire: its values and its MessageId (`[]` when unanchored); `to`, the executor it is for, when
 * the receiving process runs several.
 */
interface WireTuple {
  v: TupleValues;
  m: WireMessageId;
  to?: string;
}

/** What flows between operators (the runtime's stage record). */
type TupleValues = StageRecord;

interface AckerMessage extends ControlMessage {
  type: 'ack_init' | 'ack' | 'fail';
  root: string;
  val?: string;
  spout?: number;
}

/** One executor of this process: a spout or a bolt task. */
interface Executor {
  onData?(from: string, tuples: WireTuple[]): Promise<void>;
  onControl?(m: ControlMessage): void;
  stop(): Promise<void>;
}

type Boot = WorkerBoot<AckTreeOptions>;

await runWorker<Boot>(async (ctx) => {
  const boot = ctx.config;
  const o = boot.options;
  const topology = topologyFor(boot.topology, boot.parallelism);
  const acking = o.ackers !== 0;
  const hosting = boot.hosting;
  /** This process's executors: its own operator instance, or its worker's share of the topology's. */
  const mine: Instance[] = hosting?.executors ?? [
    { id: boot.id, operator: boot.operator as OperatorName, instance: boot.instance },
  ];
  /** The process that runs an executor. */
  const processOf = (executor: string) => hosting?.hostOf[executor] ?? executor;
  const processes = hosting?.processes ?? topology.instances.map((i) => i.id);
  const ackerIds = acking ? processes.slice(0, o.ackers ?? processes.length) : [];
  // Ids are random per process: a restarted worker must not reuse its predecessor's ids.
  const rng = createRng(`${boot.seed}:${boot.id}:${ctx.attempt}:${process.pid}:${Date.now()}`);
  const kit = (await import(boot.workload.module)) as WorkloadKit;
  const workload = kit.getWorkload(boot.workload.name);
  const model = kit.loadModel(boot.workload.modelPath, boot.workload.name);

  // --- the acker task hosted by this worker -------------------------------------------------------------
  const ledger = new AckLedger();
  const ackerOut = (outcomes: readonly AckerOutcome[]) => {
    for (const out of outcomes) {
      const msg = {
        type: out.type === 'ack' ? 'acked' : 'failed',
        root: encodeId(out.root),
        reason: out.reason,
      };
      sendControl(workerId('source', out.spoutTask), msg);
    }
  };
  const onAckerMessage = (m: AckerMessage) => {
    const root = decodeId(m.root);
    if (m.type === 'ack_init') ackerOut(ledger.ackInit(root, decodeId(m.val), m.spout!));
    else if (m.type === 'ack') ackerOut(ledger.ack(root, decodeId(m.val)));
    else ackerOut(ledger.fail(root));
  };
  /** Routes an acker message to acker(root), locally when this worker hosts it. */
  const toAcker = (m: AckerMessage) => {
    const target = ackerIds[ackerFor(decodeId(m.root), ackerIds.length)]!;
    if (target === boot.id) onAckerMessage(m);
    else outbox.push(target, m);
  };

  /** This process's executors by id, once started. */
  const executors = new Map<string, Executor>();
  /** Receive queues per executor and sending process, when this process runs several executors. */
  const queues = new Map<string, ReceiveQueue>();
  const sole = mine.length === 1 ? mine[0]!.id : undefined;
  // topology.producer.batch.size > 1: tuples and acker messages wait per destination until the batch fills or
  // the flush interval passes (Storm's flush tuple); 1 sends every emit at once.
  const batching = o.producerBatchSize > 1;
  const host: WorkerHost<AckTreeOptions> = await startWorkerHost(
    ctx,
    { onData: (from, body) => receive(from, body as WireTuple[]), onControl: (_from, m) => onControl(m) },
    batching ? { batch: { maxRecords: o.producerBatchSize, flushMs: o.batchFlushIntervalMs } } : {},
  );
  /**
   * Tuples for this process: straight to its one executor (awaited, so a link's frames are handled in order), or
   * each to its executor's receive queue. A link carries frames for every executor of its worker, so it never
   * waits for one of them: a link held for a full queue could hold up the very frames that would empty another
   * (two workers each waiting on the other's link), so only a worker mate in memory waits for room.
   */
  async function receive(from: string, tuples: WireTuple[]): Promise<void> {
    if (!hosting) return executors.get(boot.id)?.onData?.(from, tuples);
    const byExecutor = new Map<string, WireTuple[]>();
    for (const t of tuples) {
      const to = t.to ?? sole;
      if (to === undefined) continue;
      const list = byExecutor.get(to);
      if (list) list.push(t);
      else byExecutor.set(to, [t]);
    }
    for (const [to, list] of byExecutor) void enqueue(to, from, list);
  }
  /**
   * Queues a frame for executor `to`: one queue per executor and sending process, as one link per sender feeds an
   * executor that runs alone (frames of one sender in order, different senders' side by side: a bolt waiting on
   * Redis for one frame does not hold up the other sender's).
   */
  function enqueue(to: string, from: string, tuples: WireTuple[]): Promise<void> {
    const lane = `${to}<-${from}`;
    let q = queues.get(lane);
    if (!q) {
      q = new ReceiveQueue(STORM_RECEIVE_BUFFER, (e) =>
        logLine(`${to} failed on a frame: ${(e as Error).message}`),
      );
      queues.set(lane, q);
    }
    return q.push(tuples.length, () => executors.get(to)?.onData?.(from, tuples));
  }
  function onControl(frame: ControlMessage) {
    for (const m of unbatch(frame)) {
      if (m.type === 'ack_init' || m.type === 'ack' || m.type === 'fail') onAckerMessage(m as AckerMessage);
      else executors.get(typeof m.to === 'string' ? m.to : (sole ?? ''))?.onControl?.(m);
    }
  }
  // Acker traffic is coalesced per peer and event-loop turn (one frame instead of one write per ack).
  const outbox = createOutbox(
    (peer, batch) => void host.sendControl(peer, batch, o.sendTimeoutMs),
    batching ? { maxItems: o.producerBatchSize, flushMs: o.batchFlushIntervalMs } : undefined,
  );
  /** Control to an executor: in-process when this worker runs it (an acker answering its own spout). */
  function sendControl(executor: string, m: ControlMessage) {
    const peer = processOf(executor);
    if (peer === boot.id) onControl(hosting ? { ...m, to: executor } : m);
    else outbox.push(peer, hosting ? { ...m, to: executor } : m);
  }
  const timers: NodeJS.Timeout[] = [];
  if (acking) timers.push(setInterval(() => ledger.tick(), o.messageTimeoutS * 1000));

  /**
   * Sends each destination executor its tuples: in memory when this worker runs it, else in one frame to its
   * process. A dead or unresponsive peer's frames are dropped.
   */
  const emitBatches = async (batches: Map<string, WireTuple[]>) => {
    const local: Promise<void>[] = [];
    const remote = new Map<string, WireTuple[]>();
    for (const [dest, tuples] of batches) {
      const peer = processOf(dest);
      const sent = remote.get(peer);
      if (peer === boot.id) local.push(enqueue(dest, boot.id, tuples));
      else if (sent) sent.push(...tuples);
      else remote.set(peer, tuples);
    }
    if (batching) {
      for (const [peer, tuples] of remote)
        for (const t of tuples)
          host.mesh
            .sendBatched(peer, t, { timeoutMs: o.sendTimeoutMs })
            .catch((e) => logLine(`could not send to ${peer}: ${(e as Error).message}`));
      await Promise.all(local);
      return;
    }
    await Promise.all([
      ...local,
      ...[...remote].map(([peer, tuples]) => host.sendData(peer, tuples, o.sendTimeoutMs)),
    ]);
  };
  /** A wire tuple for executor `dest`, addressed to it when its process runs several. */
  const wireTuple = (dest: string, v: TupleValues, m: WireMessageId): WireTuple =>
    hosting ? { v, m, to: dest } : { v, m };
  const downstream = (op: Instance['operator']) => topology.instances.filter((i) => i.operator === op);

  // --- bolts ----------------------------------------------------------------------------------------------
  const failInputs = (inputs: { id: MessageId }[], e: unknown) => {
    // fail(input): every root of every input fails at once; the spout replays them.
    logLine(`processing failed: ${(e as Error).message}`);
    if (acking)
      for (const i of inputs)
        for (const root of failMessages(i.id)) toAcker({ type: 'fail', root: encodeId(root) });
  };
  const ackInputs = (acks: { input: MessageId; childrenXor: bigint[] }[]) => {
    if (!acking) return;
    for (const a of acks) {
      for (const m of ackMessages(a.input, a.childrenXor))
        toAcker({ type: 'ack', root: encodeId(m.root), val: encodeId(m.val) });
    }
  };

  /**
   * A bolt: compute outputs for a frame of inputs, emit each anchored to every operator in `next` (one child per
   * downstream operator: two for the feature bolt of a fan-out) and ack the inputs; or, for the sink, hand them
   * to `writer` and ack each input once its batch is written (like a KafkaBolt acking in the producer callback),
   * without holding up the next frame.
   */
  const bolt = (
    compute: (values: TupleValues[]) => Promise<TupleValues[]>,
    next: readonly Instance['operator'][],
    writer?: BatchingWriter<TupleValues>,
  ): Executor => ({
    async onData(_from: string, tuples: WireTuple[]) {
      const inputs = tuples.map((t) => ({ values: t.v, id: decodeMessageId(t.m) }));
      let outputs: TupleValues[];
      try {
        outputs = await compute(inputs.map((i) => i.values));
      } catch (e) {
        failInputs(inputs, e);
        return;
      }
      if (writer) {
        const { accepted, done } = writer.write(outputs);
        done.then(
          () => ackInputs(inputs.map((i) => ({ input: i.id, childrenXor: [] }))),
          (e) => failInputs(inputs, e),
        );
        await accepted;
        return;
      }
      const batches = new Map<string, WireTuple[]>();
      const acks: { input: MessageId; childrenXor: bigint[] }[] = [];
      inputs.forEach((input, k) => {
        const out = outputs[k]!;
        const anchored = acking
          ? boltOutput(rng, input.id, next.length)
          : { messageIds: next.map(() => []), childrenXor: [] };
        next.forEach((op, o) => {
          const targets = downstream(op);
          const dest = targets[keyPartition(out.key, targets.length)]!.id;
          const list = batches.get(dest) ?? [];
          list.push(wireTuple(dest, out, encodeMessageId(anchored.messageIds[o]!)));
          batches.set(dest, list);
        });
        acks.push({ input: input.id, childrenXor: anchored.childrenXor });
      });
      await emitBatches(batches);
      ackInputs(acks);
    },
    async stop() {
      await writer?.drain();
    },
  });

  /** Starts one executor of this process: its operator's bolt, or the spout. */
  const startExecutor = async (ex: Instance): Promise<Executor> => {
    if (ex.operator === 'features') {
      // A state-store call slower than the client's timeout throws, and the bolt fails its inputs (explicit
      // fail): what a bolt using Jedis (2 s socket timeout) does when Redis is slow.
      const store = createRedisStateStore<unknown>(
        host.redis({ commandTimeoutMs: o.stateTimeoutMs }),
        `fl:${boot.runId}:state:`,
      );
      return bolt(
        async (values) => {
          const states = await store.getMany([...new Set(values.map((v) => v.key))]);
          const out = values.map((v) => {
            const step = workload.step(states.get(v.key), workload.parse(v.body), model.params);
            states.set(v.key, step.state);
            return { id: v.id, key: v.key, t: v.t, r: v.r, features: step.features };
          });
          await store.setMany(states);
          return out;
        },
        downstreamOperators(topology, 'features'),
      );
    }
    if (ex.operator === 'score' || ex.operator === 'challenger') {
      const scorer = ex.operator === 'score' ? score : challengerScore;
      // Fan-out: each output says which branch scored it; on the chain outputs stay as they were.
      const branch = topology.kind === 'fan-out' ? branchOfOperator(ex.operator) : undefined;
      return bolt(
        async (values) => values.map((v) => scoredRecord(v, scorer(model, v.features!), branch)),
        ['sink'],
      );
    }
    if (ex.operator === 'sink') {
      const producer = host.kafka(hosting ? `-${ex.id}` : '').producer({
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await producer.connect();
      const writer = createBatchingWriter<TupleValues>(async (values) => {
        await producer.send({ topic: boot.topics.output, messages: outputMessages(values) });
      });
      const sink = bolt(async (values) => values, [], writer);
      return {
        onData: sink.onData,
        async stop() {
          await sink.stop();
          await producer.disconnect().catch(() => {});
        },
      };
    }
    return startSpout(ex);
  };
  // Bolts first: a spout emits as soon as its consumer joins, and its worker mates must be there to take tuples.
  for (const ex of [...mine].sort(
    (a, b) => Number(a.operator === 'source') - Number(b.operator === 'source'),
  ))
    executors.set(ex.id, await startExecutor(ex));
  ctx.ready();
  await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  for (const t of timers) clearInterval(t);
  // Spouts first (no new tuples), then the bolts drain what they hold.
  for (const ex of [...executors.values()].reverse()) await ex.stop();
  await host.close();

  // --- the spout --------------------------------------------------------------------------------------------
  async function startSpout(ex: Instance): Promise<Executor> {
    /** A line of the worker's log, naming the spout when the worker runs several executors. */
    const log = (line: string) => logLine(hosting ? `${ex.id}: ${line}` : line);
    const emit: typeof ctx.emit = (e) => ctx.emit({ ...e, worker: ex.id });
    const topic = boot.topics.input;
    const partitions = ownedPartitions(ex.instance, boot.parallelism.source, boot.topics.partitions);
    const pending = new SpoutPending<{ partition: number; offset: number }>();
    /** The most tuples this spout task ever had pending: evidence that max.spout.pending held. */
    let pendingMax = 0;
    const retry = new RetryService({
      initialDelayMs: o.retryInitialDelayMs,
      delayPeriodMs: o.retryDelayPeriodMs,
      maxDelayMs: o.retryMaxDelayMs,
      maxRetries: o.maxRetries,
    });
    const offsets = new Map<number, OffsetManager>();
    const features = downstream('features');
    const c = ownedConsumer(host.kafka(hosting ? `-${ex.id}` : ''), {
      groupId: `fl-${boot.runId}-spout-${ex.instance}`,
      partitions,
    });
    await c.connect();
    await c.subscribe({ topic, fromBeginning: true });
    const joined = new Promise<void>((resolve) => c.on(c.events.GROUP_JOIN, () => resolve()));
    // A crash kafkajs does not restart from stops the spout reading for good; in Storm the exception kills the
    // spout's executor and with it the worker, which the supervisor relaunches (resuming at the committed offsets).
    c.on(c.events.CRASH, ({ payload }) => {
      if ((payload as { restart?: boolean }).restart) {
        // kafkajs restarts the consumer: a new group member that reads on from the committed offsets, and any seek
        // not yet applied is dropped with the old one. Logged: a replay that never comes starts here.
        log(`spout consumer crashed, kafkajs restarts it: ${payload.error.message}`);
        return;
      }
      log(`spout consumer crashed: ${payload.error.message}`);
      process.exit(1);
    });

    // Storm seeks every partition back to its earliest ready retry before each poll (pollKafkaBroker →
    // doSeekRetriableTopicPartitions), and polls again only once the last poll's records are emitted. kafkajs's
    // fetch loop is that poll: it fetches again only after every batch of the last fetch was handled, and announces
    // each fetch (FETCH_START) synchronously before it applies pending seeks. Seeking there is Storm's rule to the
    // letter, and keeps no state: a replay that a seek did not reach (kafkajs drops pending seeks when it restarts
    // its consumer) is sought again before the next fetch. Assumes one broker (every faultline provider has one):
    // with several, a seek made at one broker's fetch would discard another's response in flight.
    /** Partitions sought back since their last batch: the next batch of each is a re-read, and is logged. */
    const seeked = new Set<number>();
    c.on(c.events.FETCH_START, () => {
      if (retry.size() === 0) return;
      // Re-read from the earliest ready offset; acked, in-flight and not-yet-ready records read on the way are skipped.
      for (const [partition, offset] of retry.earliestRetriableOffsets()) {
        c.seek({ topic, partition, offset: String(offset) });
        if (!seeked.has(partition))
          log(
            `seek p${partition} to ${offset} (${retry.readyMessageCount()} ready, ${retry.size()} scheduled)`,
          );
        seeked.add(partition);
      }
    });

    const replay = (failed: { partition: number; offset: number }[], reason: string) => {
      if (failed.length === 0) return;
      // Past maxRetries a record is given up: acked and committed without output (Storm's onMaxRetryReached).
      let gaveUp = 0;
      for (const f of failed) if (offsets.get(f.partition)?.failed(f.offset) === 'gave-up') gaveUp++;
      emit({
        type: reason === 'timeout' ? 'tuple.timeout' : 'tuple.failed',
        count: failed.length,
        ...(gaveUp > 0 ? { gaveUp } : {}),
      });
    };

    const onControl = (m: ControlMessage) => {
      if (m.type !== 'acked' && m.type !== 'failed') return;
      const root = decodeId(m.root);
      if (m.type === 'acked') {
        const done = pending.ack(root);
        if (done) offsets.get(done.msg.partition)?.acked(done.msg.offset);
      } else {
        const failed = pending.fail(root);
        if (failed) replay([failed.msg], 'explicit');
      }
    };
    if (acking)
      timers.push(
        setInterval(
          () =>
            replay(
              pending.rotate().map((f) => f.msg),
              'timeout',
            ),
          o.messageTimeoutS * 1000,
        ),
      );
    if (acking) {
      timers.push(
        setInterval(() => {
          for (const [partition, om] of offsets) {
            const next = om.commitCandidate();
            if (next !== undefined && next > om.committedOffset()) {
              c.commitOffsets([{ topic, partition, offset: String(next) }])
                .then(() => {
                  om.committed(next);
                  emit({
                    type: 'offsets.committed',
                    partition,
                    offset: next,
                    pending: pending.size(),
                    pendingMax,
                  });
                })
                .catch((e) => log(`commit failed: ${e.message}`));
            }
          }
        }, o.commitIntervalMs),
      );
    }

    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (batch.messages.length === 0) return;
        const partition = batch.partition;
        let om = offsets.get(partition);
        if (!om) {
          om = new OffsetManager(Number(batch.messages[0]!.offset), { partition, retry });
          offsets.set(partition, om);
        }
        const dataBatches = new Map<string, WireTuple[]>();
        let replayed = 0;
        let emittedHere = 0;
        let notReady = 0;
        let brokeAt: string | undefined;
        let last: string | undefined;
        const stopReason = () => (isStale() ? 'a seek is pending' : 'stopping');
        const readUs = systemClock.nowUs();
        for (const m of batch.messages) {
          if (!isRunning() || isStale()) {
            brokeAt = `${m.offset} (${stopReason()})`;
            break;
          }
          const offset = Number(m.offset);
          last = m.offset;
          if (!om.shouldEmit(offset)) {
            if (om.isScheduledForRetry(offset)) notReady++;
            continue;
          }
          const rec = decodeJson<InputRecord>(m.value);
          const dest = features[keyPartition(rec.key, features.length)]!.id;
          const values: TupleValues = { id: rec.id, key: rec.key, t: rec.t, r: readUs, body: rec.body };
          let wire: WireMessageId = [];
          if (acking) {
            const manager = om;
            // max.spout.pending: wait for acks before emitting more; the tuple becomes pending in the same turn as
            // the last check, so pending never exceeds the cap.
            const emitted = await emitWhenPendingRoom(
              pending,
              o.maxSpoutPending,
              {
                sleep: (ms) => systemClock.sleep(ms),
                pollMs: 2,
                stop: () => !isRunning() || isStale(),
                onWait: heartbeat,
                // The batch's tuples go out only after the loop: send them now, or their acks never come.
                onFull: async () => {
                  await emitBatches(dataBatches);
                  dataBatches.clear();
                },
              },
              () => {
                if (manager.isScheduledForRetry(offset)) replayed++;
                const e = spoutEmit(rng, 1);
                pending.emit(e.root, { partition, offset });
                pendingMax = Math.max(pendingMax, pending.size());
                manager.emitted(offset);
                toAcker({
                  type: 'ack_init',
                  root: encodeId(e.root),
                  val: encodeId(e.initVal),
                  spout: ex.instance,
                });
                wire = encodeMessageId(e.messageIds[0]!);
              },
            );
            if (!emitted) {
              brokeAt = `${offset} (${stopReason()}, not emitted)`;
              break;
            }
            emittedHere++;
          }
          const list = dataBatches.get(dest) ?? [];
          list.push(wireTuple(dest, values, wire));
          dataBatches.set(dest, list);
        }
        await emitBatches(dataBatches);
        if (replayed > 0) emit({ type: 'tuple.replayed', count: replayed });
        const reread = seeked.delete(partition);
        if (reread || replayed > 0 || notReady > 0 || brokeAt !== undefined) {
          // Only where the spout is replaying: how a re-read went (the evidence when a replay never comes).
          log(
            `${reread ? 're-read' : 'read'} p${partition} ${batch.firstOffset()}..${batch.lastOffset()} (${batch.messages.length}): emitted ${emittedHere}, ` +
              `replays ${replayed}, not ready ${notReady}${brokeAt ? `, stopped at ${brokeAt}` : ''}; committed ${om.committedOffset()}, ` +
              `${retry.size()} scheduled`,
          );
        }
        if (last !== undefined) {
          resolveOffset(last);
          // At-most-once: commit as soon as the records are emitted (Storm's AT_MOST_ONCE commits before emit).
          if (!acking) await c.commitOffsets([{ topic, partition, offset: String(Number(last) + 1) }]);
        }
        await heartbeat();
      },
    });
    await joined;
    return {
      onControl,
      async stop() {
        for (const [partition, om] of offsets) {
          const waiting = om.retryOffsets();
          if (waiting.length === 0 && om.inFlightCount() === 0) continue;
          log(
            `at stop p${partition}: committed ${om.committedOffset()}, ${om.inFlightCount()} in flight, ${waiting.length} ` +
              `scheduled for retry (${retry.readyMessageCount()} ready across partitions): ${waiting.slice(0, 20).join(' ')}`,
          );
        }
        await c.disconnect().catch(() => {});
      },
    };
  }
});

function logLine(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}
