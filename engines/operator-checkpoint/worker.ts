/**
 * An operator-checkpoint worker process (an Apex container with one operator, PROTOCOLS.md's operator-checkpoint
 * section). Every worker:
 *  1. registers with the master and is deployed with the window start time and the checkpoint to start from;
 *  2. runs its operator window by window: the source behind a window generator (BEGIN/END_WINDOW, CHECKPOINT
 *     every N windows), the others behind a WindowAligner over one input port per upstream instance;
 *  3. after a checkpoint window (every window in EXACTLY_ONCE) saves the operator's state to Redis and reports
 *     the window in its heartbeats;
 *  4. publishes its output to the buffer server in this process, which serves each downstream subscriber from
 *     the window it asks for; inputs subscribe to their upstream buffer servers from the start window;
 *  5. purges buffered windows and saved window data as the master's committed window advances.
 * The source keeps the Kafka offsets of every window (WindowDataManager) and replays them exactly after a
 * restart; the sink writes non-transactionally, or (EXACTLY_ONCE) one Kafka transaction per window together
 * with the window id, skipping windows already written.
 */
import type { KafkaMessage, Producer } from 'kafkajs';
import { systemClock } from '../../core/clock.ts';
import type { InputRecord, OutputRecord } from '../../core/types.ts';
import { score } from '../../core/workload.ts';
import { createBatchingWriter } from '../runtime/batching-writer.ts';
import type { WorkerBoot } from '../runtime/boot.ts';
import { decodeJson, fixedPartitions, ownedPartitions } from '../runtime/kafka.ts';
import { keyPartition } from '../runtime/partitioner.ts';
import { COORDINATOR_ID } from '../runtime/supervisor.ts';
import { standardTopology } from '../runtime/topology.ts';
import { type ControlMessage, startWorkerHost } from '../runtime/worker-host.ts';
import { runWorker } from '../runtime/worker-process.ts';
import type { WorkloadKit } from '../types.ts';
import { WindowAligner, type WindowedOperator } from './aligner.ts';
import { BufferServer, type Cursor } from './buffer-server.ts';
import { InputPort } from './input-port.ts';
import { KeyedState } from './keyed-state.ts';
import {
  type DataFrame,
  type DeployMessage,
  type HeartbeatReport,
  redisKeys,
  type SubscribeMessage,
  type Tuple,
} from './messages.ts';
import { type OperatorCheckpointOptions, processingModeFor } from './options.ts';
import { physicalPlan } from './recovery.ts';
import {
  formatWindowId,
  INITIAL_CHECKPOINT,
  isCheckpointWindow,
  type WindowClock,
  WindowGenerator,
} from './window.ts';
import { type KafkaRecord, RangeTracker, type WindowRanges, WindowReplayer } from './window-data.ts';

type Boot = WorkerBoot<OperatorCheckpointOptions>;

/** The operator-specific part of a non-input operator. */
interface OperatorLogic {
  process(records: Tuple[]): void | Promise<void>;
  endWindow?(w: number): void | Promise<void>;
  /** Serialized state for a checkpoint; null for a stateless operator (nothing is written). */
  snapshot(): string | null;
  stop?(): Promise<void>;
}

interface Subscriber {
  peer: string;
  partition: number;
  epoch: number;
  cursor: Cursor;
  sending: boolean;
  retry: NodeJS.Timeout | undefined;
}

interface Port {
  index: number;
  upstream: string;
  input: InputPort<Tuple>;
  epoch: number;
  acked: boolean;
  ackedAttempt: number;
  subscribedAtMs: number;
  lastFrameAtMs: number;
  /** Inside the aligner (blocked at END_WINDOW, or the operator is busy): silence is expected. */
  waiting: boolean;
}

await runWorker<Boot>(async (ctx) => {
  const boot = ctx.config;
  const o = boot.options;
  const mode = processingModeFor(boot.guarantee);
  const keys = redisKeys(boot.runId);
  const plan = physicalPlan(standardTopology(boot.parallelism));
  const upstreams = [...(plan.upstream.get(boot.id) ?? [])];
  const downstreams = [...(plan.downstream.get(boot.id) ?? [])];
  const kit = (await import(boot.workload.module)) as WorkloadKit;
  const workload = kit.getWorkload(boot.workload.name);
  const model = kit.loadModel(boot.workload.modelPath, boot.workload.name);
  const timers: NodeJS.Timeout[] = [];
  const sampled = (w: number) => w % o.eventSampleWindows === 0;
  const fatal = (e: unknown) => {
    logLine(`fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  };

  // --- buffer server (step 4) -------------------------------------------------------------------------------
  const buffer = downstreams.length > 0 ? new BufferServer<Tuple>(downstreams.length) : undefined;
  const subscribers = new Map<string, Subscriber>();
  const replayCounted = new Map<string, { attempt: number; head: Cursor }>();
  let pumpScheduled = false;
  const schedulePump = () => {
    if (pumpScheduled || subscribers.size === 0) return;
    pumpScheduled = true;
    setImmediate(() => {
      pumpScheduled = false;
      for (const s of subscribers.values()) void pump(s);
    });
  };
  /** Sends a subscriber what lies beyond its cursor; a dropped frame is retried from where it began. */
  async function pump(sub: Subscriber): Promise<void> {
    if (sub.sending || !buffer) return;
    sub.sending = true;
    try {
      while (subscribers.get(sub.peer) === sub) {
        if (!host.mesh.connected(sub.peer)) {
          // Not worth encoding frames the mesh would drop: look again in a moment.
          host.mesh.dial(sub.peer);
          clearTimeout(sub.retry);
          sub.retry = setTimeout(() => void pump(sub), 250);
          break;
        }
        const before = sub.cursor;
        const { segments, cursor } = buffer.read(sub.partition, before, o.maxFrameRecords);
        if (segments.length === 0) break;
        sub.cursor = cursor;
        const frame: DataFrame<Tuple> = { e: sub.epoch, g: segments };
        const ok = await host.sendData(sub.peer, frame, o.sendTimeoutMs);
        if (!ok) {
          // Peer down or stuck: try again later from the same place (a restarted peer resubscribes anyway).
          sub.cursor = before;
          clearTimeout(sub.retry);
          sub.retry = setTimeout(() => void pump(sub), 250);
          break;
        }
      }
    } finally {
      sub.sending = false;
    }
  }
  function onSubscribe(from: string, m: SubscribeMessage) {
    if (!buffer) return;
    const partition = downstreams.indexOf(from);
    if (partition < 0) return;
    const old = subscribers.get(from);
    if (old) clearTimeout(old.retry);
    const cursor: Cursor = { w: m.w, i: m.i, begun: m.begun };
    const sub: Subscriber = {
      peer: from,
      partition,
      epoch: m.epoch,
      cursor,
      sending: false,
      retry: undefined,
    };
    subscribers.set(from, sub);
    if (buffer.isPurged(cursor))
      logLine(
        `${from} subscribed from window ${m.w}, below the purged windows (oldest ${buffer.oldestWindow()})`,
      );
    // Records replayed: what is already buffered from the cursor on, counted once per subscriber incarnation
    // (a resubscription after a dropped frame or an unanswered request does not count the same records again).
    const counted = replayCounted.get(from);
    let records = buffer.recordsFrom(partition, cursor);
    if (counted?.attempt === m.attempt)
      records = Math.max(0, records - buffer.recordsFrom(partition, counted.head));
    const head = buffer.headCursor(partition);
    if (head && (counted?.attempt !== m.attempt || records > 0))
      replayCounted.set(from, { attempt: m.attempt, head });
    if (records > 0)
      ctx.emit({
        type: 'replay.from',
        subscriber: from,
        window: m.w,
        windowId: clock ? formatWindowId(clock, m.w) : undefined,
        records,
      });
    void host.sendControl(from, { type: 'oc.subscribed', epoch: m.epoch, attempt: ctx.attempt });
    void pump(sub);
  }

  // --- deployment, heartbeats, committed window (steps 1, 3, 5) ---------------------------------------------
  let resolveDeploy!: (d: DeployMessage) => void;
  const deployed = new Promise<DeployMessage>((r) => {
    resolveDeploy = r;
  });
  let clock: WindowClock | undefined;
  let knownRecovery = INITIAL_CHECKPOINT;
  let lastEnded = INITIAL_CHECKPOINT;
  /** Checkpoints saved and not older than the recovery checkpoint the master last named. */
  let saved: number[] = [];
  let purgeEventAt = Number.NEGATIVE_INFINITY;
  let onCommittedExtra: ((committed: number) => void) | undefined;
  const report = (): { oc: HeartbeatReport } => ({
    oc: {
      attempt: ctx.attempt,
      deployed: clock !== undefined,
      recovery: knownRecovery,
      window: lastEnded,
      checkpoints: saved,
    },
  });
  function onCommitted(committed: number, recovery: number) {
    if (recovery > knownRecovery) {
      knownRecovery = recovery;
      saved = saved.filter((c) => c >= recovery);
    }
    if (buffer) {
      const purged = buffer.purge(committed);
      if (purged.windows > 0 && committed - purgeEventAt >= o.eventSampleWindows) {
        purgeEventAt = committed;
        ctx.emit({
          type: 'buffer.purged',
          below: committed - 1,
          windows: purged.windows,
          records: purged.records,
          oldest: purged.oldest,
        });
      }
    }
    onCommittedExtra?.(committed);
  }

  // --- input ports (step 4, subscriber side) ------------------------------------------------------------------
  const ports = new Map<string, Port>();
  let aligner: WindowAligner<Tuple> | undefined;
  // Unique across incarnations: a buffer server may still be sending under the predecessor's subscription.
  let nextEpoch = ctx.attempt * 1_000_000 + 1;
  const stallMs = Math.max(5000, 6 * o.windowMs);
  function subscribe(port: Port, why: string) {
    port.epoch = nextEpoch++;
    port.acked = false;
    port.subscribedAtMs = Date.now();
    const at = port.input.resumePoint();
    const m: SubscribeMessage = {
      type: 'oc.subscribe',
      attempt: ctx.attempt,
      epoch: port.epoch,
      w: at.w,
      i: at.i,
      begun: at.begun,
    };
    void host.sendControl(port.upstream, m, o.sendTimeoutMs);
    if (why !== 'deploy') logLine(`subscribing to ${port.upstream} from window ${at.w}:${at.i} (${why})`);
  }
  async function onData(from: string, frame: DataFrame<Tuple>) {
    const port = ports.get(from);
    if (!port || !aligner || frame.e !== port.epoch) return;
    port.acked = true;
    port.lastFrameAtMs = Date.now();
    for (const seg of frame.g) {
      const { events, gap } = port.input.accept(seg);
      if (gap) {
        subscribe(port, `gap before window ${seg.w}:${seg.i}`);
        return;
      }
      for (const ev of events) {
        port.waiting = true;
        try {
          await aligner.deliver(port.index, ev);
        } finally {
          port.waiting = false;
          port.lastFrameAtMs = Date.now();
        }
      }
    }
  }

  const host = await startWorkerHost<OperatorCheckpointOptions>(
    ctx,
    {
      onData: (from, body) => onData(from, body as DataFrame<Tuple>).catch(fatal),
      onControl: (from, m) => onControl(from, m),
      onPeerUp: (peer, attempt) => {
        const port = ports.get(peer);
        if (port?.acked && attempt > port.ackedAttempt)
          subscribe(port, `${peer} restarted (attempt ${attempt})`);
      },
    },
    { heartbeatMs: o.heartbeatMs, heartbeatPayload: report },
  );
  function onControl(from: string, m: ControlMessage) {
    if (from === COORDINATOR_ID) {
      if (m.type === 'oc.deploy') resolveDeploy(m as DeployMessage);
      else if (m.type === 'oc.committed') onCommitted(Number(m.committed), Number(m.recovery));
      return;
    }
    if (m.type === 'oc.subscribe') onSubscribe(from, m as SubscribeMessage);
    else if (m.type === 'oc.subscribed') {
      const port = ports.get(from);
      if (port && m.epoch === port.epoch) {
        port.acked = true;
        port.ackedAttempt = Number(m.attempt);
        port.lastFrameAtMs = Date.now();
      }
    }
  }

  // Step 1: register until the master deploys us.
  let deploy: DeployMessage | undefined;
  while (!deploy && !ctx.signal.aborted) {
    void host.sendControl(COORDINATOR_ID, { type: 'oc.register', attempt: ctx.attempt });
    deploy = await Promise.race([deployed, systemClock.sleep(500).then(() => undefined)]);
  }
  if (!deploy) {
    await host.close();
    return;
  }
  clock = { startMs: deploy.startMs, widthMs: o.windowMs };
  knownRecovery = deploy.recovery;
  lastEnded = deploy.startWindow - 1;
  if (deploy.recovery >= 0) saved = [deploy.recovery];
  const redis = host.redis();

  /** Saves a checkpoint (asynchronously: the state was serialized already) and reports it once written. */
  const checkpoint = (w: number, state: string | null, marker: boolean) => {
    const write =
      state === null ? Promise.resolve() : redis.set(keys.checkpoint(boot.id, w), state).then(() => {});
    write.then(
      () => {
        if (w >= knownRecovery && !saved.includes(w)) saved.push(w);
        if (marker || sampled(w))
          ctx.emit({
            type: 'checkpoint.saved',
            operator: boot.id,
            window: w,
            windowId: formatWindowId(clock!, w),
            bytes: state?.length ?? 0,
          });
      },
      (e: Error) => logLine(`checkpoint of window ${w} not saved: ${e.message}`),
    );
  };
  const windowEvent = (type: 'window.begin' | 'window.end', w: number) => {
    if (sampled(w)) ctx.emit({ type, window: w, windowId: formatWindowId(clock!, w) });
  };
  /** Routes output records to the downstream partitions (key partitioning) in the buffer server. */
  const publish = (records: readonly Tuple[]) => {
    if (!buffer || records.length === 0) return;
    const n = downstreams.length;
    if (n === 1) buffer.publish(0, records);
    else {
      const parts: Tuple[][] = Array.from({ length: n }, () => []);
      for (const r of records) parts[keyPartition(r.key, n)]!.push(r);
      parts.forEach((p, k) => {
        if (p.length > 0) buffer.publish(k, p);
      });
    }
    schedulePump();
  };

  let stopOperator: () => Promise<void> = async () => {};
  if (boot.operator === 'source') {
    stopOperator = await startInputOperator(deploy);
  } else {
    const logic = await createLogic(deploy);
    stopOperator = async () => logic.stop?.();
    // Step 2: GenericNode.
    const node: WindowedOperator<Tuple> = {
      beginWindow(w) {
        buffer?.beginWindow(w);
        schedulePump();
        windowEvent('window.begin', w);
      },
      process: (_port, records) => logic.process(records),
      async endWindow(w, marker) {
        await logic.endWindow?.(w);
        buffer?.endWindow(w, marker);
        schedulePump();
        lastEnded = w;
        if (marker || mode === 'EXACTLY_ONCE') checkpoint(w, logic.snapshot(), marker);
        windowEvent('window.end', w);
      },
    };
    aligner = new WindowAligner(upstreams.length, node, (port, w, current) =>
      logLine(`port ${upstreams[port]} delivered window ${w} out of sequence (current ${current}): skipped`),
    );
    upstreams.forEach((upstream, index) => {
      ports.set(upstream, {
        index,
        upstream,
        input: new InputPort<Tuple>(deploy.startWindow),
        epoch: 0,
        acked: false,
        ackedAttempt: -1,
        subscribedAtMs: 0,
        lastFrameAtMs: 0,
        waiting: false,
      });
    });
    for (const port of ports.values()) subscribe(port, 'deploy');
    timers.push(
      setInterval(() => {
        const now = Date.now();
        for (const port of ports.values()) {
          if (!port.acked && now - port.subscribedAtMs > 1000) subscribe(port, 'no answer');
          else if (port.acked && !port.waiting && now - port.lastFrameAtMs > stallMs)
            subscribe(port, `nothing for ${now - port.lastFrameAtMs} ms`);
        }
      }, 250),
    );
  }
  ctx.emit({
    type: 'operator.started',
    recovery: deploy.recovery,
    startWindow: deploy.startWindow,
    startWindowId: formatWindowId(clock, deploy.startWindow),
    mode,
  });
  ctx.ready();

  await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  for (const t of timers) clearInterval(t);
  for (const s of subscribers.values()) clearTimeout(s.retry);
  await Promise.race([stopOperator().catch(() => {}), systemClock.sleep(1500)]);
  await host.close();

  // --- operators ----------------------------------------------------------------------------------------------

  async function createLogic(d: DeployMessage): Promise<OperatorLogic> {
    if (boot.operator === 'features') {
      const stored = d.recovery >= 0 ? await redis.get(keys.checkpoint(boot.id, d.recovery)) : null;
      if (d.recovery >= 0 && stored === null)
        throw new Error(`checkpoint ${d.recovery} of ${boot.id} is missing from Redis`);
      const state = KeyedState.restore<unknown>(stored);
      return {
        process(records) {
          const out: Tuple[] = new Array(records.length);
          records.forEach((v, k) => {
            const step = workload.step(state.get(v.key), workload.parse(v.body), model.params);
            state.set(v.key, step.state);
            out[k] = { id: v.id, key: v.key, t: v.t, r: v.r, features: step.features };
          });
          publish(out);
        },
        snapshot: () => state.serialize(),
      };
    }
    if (boot.operator === 'score') {
      // @Stateless: its checkpoints are window ids only.
      return {
        process(records) {
          publish(
            records.map((v) => ({ id: v.id, key: v.key, t: v.t, r: v.r, score: score(model, v.features!) })),
          );
        },
        snapshot: () => null,
      };
    }
    return mode === 'EXACTLY_ONCE' ? exactlyOnceOutput() : plainOutput();
  }

  function outputMessages(records: readonly Tuple[]) {
    const w = systemClock.nowUs();
    return records.map((v) => ({
      key: v.key,
      value: JSON.stringify({
        id: v.id,
        key: v.key,
        t: v.t,
        score: v.score!,
        r: v.r,
        w,
      } satisfies OutputRecord),
    }));
  }

  /** AT_LEAST_ONCE / AT_MOST_ONCE output: records go to Kafka as they come; a window ends when they are acked. */
  async function plainOutput(): Promise<OperatorLogic> {
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
  async function exactlyOnceOutput(): Promise<OperatorLogic> {
    const kafka = host.kafka();
    const producer: Producer = kafka.producer({
      transactionalId: `fl-${boot.runId}-sink-${boot.instance}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    // Connecting runs InitProducerId: the predecessor's open transaction is aborted before we read the id.
    await producer.connect();
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
      windowId: written >= 0 ? formatWindowId(clock!, written) : null,
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
              windowId: formatWindowId(clock!, w),
            });
          return;
        }
        if (records.length === 0) return; // nothing to write: replaying it writes nothing either
        const tx = await producer.transaction();
        try {
          await tx.send({ topic: boot.topics.output, messages: outputMessages(records) });
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

  /**
   * The input operator: a Kafka consumer on its own partitions behind a window generator. Each window's offset
   * ranges are saved before its END_WINDOW leaves; after a restart from checkpoint c the windows c+1… are
   * re-read and re-formed exactly, then the generator catches up to the live window.
   */
  async function startInputOperator(d: DeployMessage): Promise<() => Promise<void>> {
    const topic = boot.topics.input;
    const partitions = ownedPartitions(boot.instance, boot.parallelism.source, boot.topics.partitions);
    const wdmKey = keys.windowData(boot.id);
    const tracker = new RangeTracker();
    const nextOffset = new Map<number, number>();
    const storedWindows: number[] = [];
    // AT_MOST_ONCE redeploy: start at the next live window and the newest offsets; what was in flight is lost.
    const fromLatest = mode === 'AT_MOST_ONCE' && ctx.attempt > 0;

    let replayWindows: { w: number; ranges: WindowRanges }[] = [];
    if (!fromLatest) {
      if (d.recovery >= 0) {
        const stored = await redis.get(keys.checkpoint(boot.id, d.recovery));
        if (stored === null) throw new Error(`checkpoint ${d.recovery} of ${boot.id} is missing from Redis`);
        const { offsets } = JSON.parse(stored) as { offsets: Record<string, number> };
        for (const [p, off] of Object.entries(offsets)) nextOffset.set(Number(p), off);
      }
      const all = await redis.hgetall(wdmKey);
      const byWindow = new Map(
        Object.entries(all).map(([w, json]) => [Number(w), JSON.parse(json) as WindowRanges] as const),
      );
      storedWindows.push(...[...byWindow.keys()].sort((a, b) => a - b));
      const last = storedWindows.at(-1);
      if (last !== undefined && last >= d.startWindow)
        for (let w = d.startWindow; w <= last; w++) replayWindows.push({ w, ranges: byWindow.get(w) ?? {} });
    }
    const firstLive = (replayWindows.at(-1)?.w ?? d.startWindow - 1) + 1;
    let replayer: WindowReplayer<Tuple> | undefined;
    if (replayWindows.length > 0) {
      replayer = new WindowReplayer<Tuple>(replayWindows);
      let records = 0;
      for (const { ranges } of replayWindows)
        for (const [first, last] of Object.values(ranges)) records += last - first + 1;
      ctx.emit({
        type: 'replay.from',
        source: 'kafka',
        window: replayWindows[0]!.w,
        windowId: formatWindowId(clock!, replayWindows[0]!.w),
        toWindow: replayWindows.at(-1)!.w,
        records,
      });
    }
    let generator: WindowGenerator | undefined;
    let early: KafkaRecord<Tuple>[] = [];
    replayWindows = [];

    onCommittedExtra = (committed) => {
      const old: number[] = [];
      while (storedWindows.length > 0 && storedWindows[0]! < committed) old.push(storedWindows.shift()!);
      if (old.length > 0) void redis.hdel(wdmKey, ...old.map(String)).catch(() => {});
    };

    // Everything the source does runs in this order: batches, window boundaries, replayed windows.
    let chain: Promise<void> = Promise.resolve();
    const serial = (fn: () => Promise<void> | void) => {
      const run = chain.then(fn);
      chain = run.catch(fatal);
      return run;
    };
    const checkpointState = () => JSON.stringify({ offsets: Object.fromEntries(nextOffset) });
    const take = (records: readonly KafkaRecord<Tuple>[]) => {
      for (const r of records) nextOffset.set(r.partition, r.offset + 1);
      publish(records.map((r) => r.record));
    };
    const endWindow = (w: number, marker: boolean) => {
      buffer!.endWindow(w, marker);
      lastEnded = w;
      if (marker || mode === 'EXACTLY_ONCE') checkpoint(w, checkpointState(), marker);
      windowEvent('window.end', w);
    };

    /** Window boundaries due now (the window generator), with the window's ranges saved before END_WINDOW. */
    let timer: NodeJS.Timeout | undefined;
    const tick = async () => {
      if (!generator) return;
      for (const m of generator.advance(Date.now())) {
        if (m.type === 'begin') {
          buffer!.beginWindow(m.w);
          windowEvent('window.begin', m.w);
          if (early.length > 0) {
            for (const r of early) tracker.add(r.partition, r.offset);
            take(early);
            early = [];
          }
        } else {
          const ranges = tracker.take();
          if (Object.keys(ranges).length > 0) {
            await redis.hset(wdmKey, String(m.w), JSON.stringify(ranges));
            storedWindows.push(m.w);
          }
          endWindow(m.w, m.checkpoint);
        }
      }
      schedulePump();
      clearTimeout(timer);
      timer = setTimeout(() => void serial(tick), generator.msUntilNext(Date.now()) + 1);
    };
    const live = (records: KafkaRecord<Tuple>[]) => {
      if (buffer!.currentWindow() === undefined) {
        early.push(...records);
        return;
      }
      for (const r of records) tracker.add(r.partition, r.offset);
      take(records);
    };
    const startLive = async (leftovers: KafkaRecord<Tuple>[]) => {
      generator = new WindowGenerator(clock!, o.checkpointWindowCount, firstLive);
      await tick();
      live(leftovers);
    };
    const replayed = async () => {
      for (const { w, records } of replayer!.drain()) {
        buffer!.beginWindow(w);
        windowEvent('window.begin', w);
        take(records);
        endWindow(w, isCheckpointWindow(w, o.checkpointWindowCount));
      }
      schedulePump();
      if (replayer!.done()) {
        const leftovers = replayer!.takeLeftovers();
        replayer = undefined;
        ctx.emit({ type: 'replay.done', window: firstLive - 1 });
        await startLive(leftovers);
      }
    };
    /** Next offset to read per partition: what was read already (a refetch after a seek or rejoin) is skipped. */
    const fetched = new Map(nextOffset);
    const onBatch = async (partition: number, messages: KafkaMessage[]) => {
      const readUs = systemClock.nowUs();
      const records: KafkaRecord<Tuple>[] = [];
      for (const m of messages) {
        const offset = Number(m.offset);
        if (offset < (fetched.get(partition) ?? 0)) continue;
        fetched.set(partition, offset + 1);
        const rec = decodeJson<InputRecord>(m.value);
        records.push({
          partition,
          offset,
          record: { id: rec.id, key: rec.key, t: rec.t, r: readUs, body: rec.body },
        });
      }
      if (replayer) {
        for (const r of records) replayer.push(r);
        await replayed();
      } else {
        await tick();
        live(records);
      }
    };

    const kafka = host.kafka();
    const groupId = `fl-${boot.runId}-oc-source-${boot.instance}-a${ctx.attempt}`;
    const consumer = kafka.consumer({
      groupId,
      partitionAssigners: [fixedPartitions(() => partitions)],
      maxWaitTimeInMs: 50,
      readUncommitted: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: !fromLatest });
    const joined = new Promise<void>((resolve) =>
      consumer.on(consumer.events.GROUP_JOIN, () => {
        // Resume where we are after every (re)join: the group has no committed offsets (they live in our
        // checkpoints), so a rejoin after a broker restart would otherwise start from the beginning.
        for (const [partition, offset] of fetched)
          consumer.seek({ topic, partition, offset: String(offset) });
        resolve();
      }),
    );
    consumer.on(consumer.events.CRASH, (e) => {
      // kafkajs restarts the consumer after a retriable error; otherwise the operator fails and is redeployed.
      if (!e.payload.restart) fatal(e.payload.error);
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        await serial(() => onBatch(batch.partition, batch.messages));
        await heartbeat();
      },
    });
    // Resume at the checkpoint's offsets (seek on GROUP_JOIN; not admin.setOffsets, which joins the group with
    // a consumer of its own that ours then waits out). Records before them are skipped in onBatch.
    await joined;
    // Batches may have finished the replay already; otherwise drain what is complete, or go live at once.
    await serial(async () => {
      if (replayer) await replayed();
      else if (!generator) await startLive([]);
    });
    return async () => {
      clearTimeout(timer);
      generator = undefined;
      await consumer.disconnect();
    };
  }
});

function logLine(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}
