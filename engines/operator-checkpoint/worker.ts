/**
 * An operator-checkpoint worker process (an Apex container with one operator, PROTOCOLS.md's operator-checkpoint
 * section). Every worker:
 *  1. registers with the master and is deployed with the window start time and the checkpoint to start from;
 *  2. runs its operator window by window: the source behind a window generator (BEGIN/END_WINDOW, CHECKPOINT
 *     every N windows), the others behind a WindowAligner over one input port per upstream instance;
 *  3. after a checkpoint window (every window in EXACTLY_ONCE) saves the operator's state to Redis and reports
 *     the window in its heartbeats (the processing mode is this operator's own: options.processingModes);
 *  4. publishes its output to the buffer server in this process, which serves each downstream subscriber from
 *     the window it asks for; inputs subscribe to their upstream buffer servers from the start window;
 *  5. purges buffered windows and saved window data as the master's committed window advances.
 * The operators themselves: input-operator.ts (source), output-operator.ts (sink), features and score below.
 * On the fan-out topology features publishes every record to one score and one challenger partition, and the
 * sink aligns windows over the input ports of both branches; a failure on one branch restarts that branch's
 * instance and the sink (its downstream closure) while the other branch and everything upstream keep running.
 */
import { systemClock } from '../../core/clock.ts';
import { parseWorkerId } from '../../core/worker-id.ts';
import { challengerScore, score } from '../../core/workload.ts';
import { keyPartition } from '../runtime/partitioner.ts';
import { scoredRecord } from '../runtime/stage-record.ts';
import { COORDINATOR_ID } from '../runtime/supervisor.ts';
import { branchOfOperator, topologyFor } from '../runtime/topology.ts';
import { type ControlMessage, startWorkerHost } from '../runtime/worker-host.ts';
import { runWorker } from '../runtime/worker-main.ts';
import type { WorkloadKit } from '../types.ts';
import { WindowAligner, type WindowedOperator } from './aligner.ts';
import { BufferServer, type Cursor } from './buffer-server.ts';
import { startInputOperator } from './input-operator.ts';
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
import { type Boot, logLine, type OperatorEnv, type OperatorLogic } from './operator-env.ts';
import type { OperatorCheckpointOptions } from './options.ts';
import { exactlyOnceOutput, plainOutput } from './output-operator.ts';
import { modeOf } from './processing-mode.ts';
import { physicalPlan } from './recovery.ts';
import { formatWindowId, INITIAL_CHECKPOINT, type WindowClock } from './window.ts';

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
  const mode = modeOf(o.processingModes, boot.operator);
  const keys = redisKeys(boot.runId);
  const topology = topologyFor(boot.topology, boot.parallelism);
  const plan = physicalPlan(topology);
  const upstreams = [...(plan.upstream.get(boot.id) ?? [])];
  const downstreams = [...(plan.downstream.get(boot.id) ?? [])];
  const kit = (await import(boot.workload.module)) as WorkloadKit;
  const workload = kit.getWorkload(boot.workload.name);
  const model = kit.loadModel(boot.workload.modelPath, boot.workload.name);
  const timers: NodeJS.Timeout[] = [];
  const sampled = (w: number) => w % o.eventSampleWindows === 0;
  const fatal = (e: unknown): never => {
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
  const committedListeners: ((committed: number) => void)[] = [];
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
    for (const l of committedListeners) l(committed);
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
  /**
   * Buffer-server partitions per downstream operator (one partition per downstream instance): a record goes to
   * one partition of each, by key (two operators for a fan-out's features).
   */
  const partitionGroups = [...new Set(downstreams.map((d) => parseWorkerId(d)!.operator))].map((op) =>
    downstreams.flatMap((d, k) => (parseWorkerId(d)!.operator === op ? [k] : [])),
  );
  /** Routes output records to the downstream partitions (key partitioning) in the buffer server. */
  const publish = (records: readonly Tuple[]) => {
    if (!buffer || records.length === 0) return;
    const n = downstreams.length;
    if (n === 1) buffer.publish(0, records);
    else {
      const parts: Tuple[][] = Array.from({ length: n }, () => []);
      for (const r of records)
        for (const group of partitionGroups) parts[group[keyPartition(r.key, group.length)]!]!.push(r);
      parts.forEach((p, k) => {
        if (p.length > 0) buffer.publish(k, p);
      });
    }
    schedulePump();
  };

  const env: OperatorEnv = {
    boot,
    ctx,
    host,
    redis,
    clock,
    mode,
    deploy,
    buffer,
    publish,
    schedulePump,
    checkpoint,
    windowEnded: (w) => {
      lastEnded = w;
    },
    windowEvent,
    onCommitted: (l) => committedListeners.push(l),
    timers,
    fatal,
  };

  let stopOperator: () => Promise<void> = async () => {};
  if (boot.operator === 'source') {
    stopOperator = await startInputOperator(env);
  } else {
    const logic = await createLogic(env);
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

  // --- features, score (the input operator and the outputs have their own modules) ---------------------------

  /** The features and score operators, or the sink's output operator. */
  async function createLogic(env: OperatorEnv): Promise<OperatorLogic> {
    const d = env.deploy;
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
    if (boot.operator === 'score' || boot.operator === 'challenger') {
      const scorer = boot.operator === 'score' ? score : challengerScore;
      // Fan-out: each output says which branch scored it; on the chain outputs stay as they were.
      const branch = topology.kind === 'fan-out' ? branchOfOperator(boot.operator) : undefined;
      // @Stateless: its checkpoints are window ids only.
      return {
        process(records) {
          publish(records.map((v) => scoredRecord(v, scorer(model, v.features!), branch)));
        },
        snapshot: () => null,
      };
    }
    // The output operator follows the guarantee, not the sink's processing mode: Apex's exactly-once output
    // operators run AT_LEAST_ONCE and skip the replayed windows they have written already.
    return boot.guarantee === 'exactly-once' ? exactlyOnceOutput(env) : plainOutput(env);
  }
});
