/**
 * The input operator (Apex's Kafka input operator with its WindowDataManager, protocol steps 1 and 7): a Kafka
 * consumer on the source's own partitions behind a window generator. Every window's offset ranges are saved
 * before its END_WINDOW leaves the operator; after a restart from checkpoint c the windows c+1… are re-read and
 * re-formed exactly (so every window downstream regenerates is the one it saw before), then the generator
 * catches up to the live window. In AT_MOST_ONCE a redeployed source starts at the next live window and the
 * newest offsets instead.
 */

import {
  type Consumer,
  decodeJson,
  type KafkaMessage,
  ownedConsumer,
  ownedPartitions,
} from '../../clients/kafka.ts';
import { systemClock } from '../../core/clock.ts';
import type { InputRecord } from '../../core/types.ts';
import { redisKeys, type Tuple } from './messages.ts';
import { logLine, type OperatorEnv } from './operator-env.ts';
import { formatWindowId, isCheckpointWindow, WindowGenerator } from './window.ts';
import { type KafkaRecord, RangeTracker, type WindowRanges, WindowReplayer } from './window-data.ts';

/** A source consumer that has not fetched for this long is replaced. */
const CONSUMER_STALL_MS = 15_000;

export async function startInputOperator(env: OperatorEnv): Promise<() => Promise<void>> {
  const { boot, ctx, host, redis, clock, mode, timers, fatal } = env;
  const d = env.deploy;
  const o = boot.options;
  const keys = redisKeys(boot.runId);
  const buffer = env.buffer!;
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
      windowId: formatWindowId(clock, replayWindows[0]!.w),
      toWindow: replayWindows.at(-1)!.w,
      records,
    });
  }
  let generator: WindowGenerator | undefined;
  let early: KafkaRecord<Tuple>[] = [];
  replayWindows = [];

  env.onCommitted((committed) => {
    const old: number[] = [];
    while (storedWindows.length > 0 && storedWindows[0]! < committed) old.push(storedWindows.shift()!);
    if (old.length > 0) void redis.hdel(wdmKey, ...old.map(String)).catch(() => {});
  });

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
    env.publish(records.map((r) => r.record));
  };
  const endWindow = (w: number, marker: boolean) => {
    buffer.endWindow(w, marker);
    env.windowEnded(w);
    if (marker || mode === 'EXACTLY_ONCE') env.checkpoint(w, checkpointState(), marker);
    env.windowEvent('window.end', w);
  };

  /** Window boundaries due now (the window generator), with the window's ranges saved before END_WINDOW. */
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    if (!generator) return;
    for (const m of generator.advance(Date.now())) {
      if (m.type === 'begin') {
        buffer.beginWindow(m.w);
        env.windowEvent('window.begin', m.w);
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
    env.schedulePump();
    clearTimeout(timer);
    timer = setTimeout(() => serial(tick).catch(() => {}), generator.msUntilNext(Date.now()) + 1);
  };
  const live = (records: KafkaRecord<Tuple>[]) => {
    if (buffer.currentWindow() === undefined) {
      early.push(...records);
      return;
    }
    for (const r of records) tracker.add(r.partition, r.offset);
    take(records);
  };
  const startLive = async (leftovers: KafkaRecord<Tuple>[]) => {
    generator = new WindowGenerator(clock, o.checkpointWindowCount, firstLive);
    await tick();
    live(leftovers);
  };
  const replayed = async () => {
    for (const { w, records } of replayer!.drain()) {
      buffer.beginWindow(w);
      env.windowEvent('window.begin', w);
      take(records);
      endWindow(w, isCheckpointWindow(w, o.checkpointWindowCount));
    }
    env.schedulePump();
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
  let generation = 0;
  let lastFetchAt = Date.now();
  /**
   * A consumer in a group of its own (the offsets live in our checkpoints, not in the group), positioned at
   * `fetched` on every (re)join: a rejoin after a broker restart would otherwise start from the beginning.
   */
  const startConsumer = async (): Promise<Consumer> => {
    const c = ownedConsumer(kafka, {
      groupId: `fl-${boot.runId}-oc-source-${boot.instance}-a${ctx.attempt}-g${generation++}`,
      partitions,
    });
    await c.connect();
    await c.subscribe({ topic, fromBeginning: !fromLatest });
    const joined = new Promise<void>((resolve) =>
      c.on(c.events.GROUP_JOIN, () => {
        for (const [partition, offset] of fetched) c.seek({ topic, partition, offset: String(offset) });
        resolve();
      }),
    );
    c.on(c.events.CRASH, (e) => {
      // kafkajs restarts the consumer after a retriable error; otherwise the operator fails and is redeployed.
      logLine(`consumer crashed (restart: ${e.payload.restart}): ${e.payload.error.message}`);
      if (!e.payload.restart) fatal(e.payload.error);
    });
    c.on(c.events.FETCH, () => {
      if (c === consumer || consumer === undefined) lastFetchAt = Date.now();
    });
    await c.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        await serial(() => onBatch(batch.partition, batch.messages));
        await heartbeat();
      },
    });
    await joined;
    return c;
  };
  let consumer: Consumer | undefined;
  consumer = await startConsumer();
  // A healthy consumer fetches every maxWaitTimeInMs, data or not. After a broker restart kafkajs has been
  // seen to stop fetching for good without an error: replace such a consumer (records already read are
  // skipped by `fetched`, so nothing is taken twice).
  let replacing = false;
  timers.push(
    setInterval(() => {
      const silentMs = Date.now() - lastFetchAt;
      if (replacing || silentMs < CONSUMER_STALL_MS) return;
      replacing = true;
      logLine(`consumer has not fetched for ${silentMs} ms: replacing it`);
      ctx.emit({ type: 'source.consumer-replaced', silentMs });
      const old = consumer;
      void Promise.race([old?.disconnect(), systemClock.sleep(2000)])
        .catch(() => {})
        .then(startConsumer)
        .then((c) => {
          consumer = c;
          lastFetchAt = Date.now();
          replacing = false;
        }, fatal);
    }, 1000),
  );
  // Batches may have finished the replay already; otherwise drain what is complete, or go live at once.
  await serial(async () => {
    if (replayer) await replayed();
    else if (!generator) await startLive([]);
  });
  return async () => {
    clearTimeout(timer);
    generator = undefined;
    await consumer?.disconnect();
  };
}
