/**
 * The passthrough baseline's single worker: consume the input topic, parse → features (state in Redis) →
 * score, produce to the output topic, commit offsets. No fault tolerance beyond Kafka's consumer offsets: it is
 * the performance limit the engines are compared to.
 *
 * `servePassthrough` is the worker's body; `rewrite` lets a test engine (the harness's self-test) alter each
 * batch of outputs before it is written, or hold some back and write them later.
 */
import { Redis } from 'ioredis';
import { createKafka, decodeJson } from '../../clients/kafka.ts';
import { systemClock } from '../../core/clock.ts';
import type { InputRecord, OutputRecord } from '../../core/types.ts';
import { createRedisStateStore } from '../runtime/redis-state.ts';
import type { DeployPlan, Placement, WorkerContext, WorkloadKit } from '../types.ts';

export type PassthroughConfig = Pick<DeployPlan, 'runId' | 'workload' | 'topics'> & {
  /** Kafka and Redis as this worker reaches them. */
  services: Pick<Placement, 'kafka' | 'redis'>;
};

/** Alters a batch of outputs before it is written; `later` writes outputs afterwards, when it is called. */
export type OutputRewrite = (
  outputs: OutputRecord[],
  later: (outputs: OutputRecord[]) => void,
) => OutputRecord[];

export async function servePassthrough(
  ctx: WorkerContext<PassthroughConfig>,
  rewrite: OutputRewrite = (outputs) => outputs,
): Promise<void> {
  const { runId, workload: w, topics, services } = ctx.config;
  const kit = (await import(w.module)) as WorkloadKit;
  const workload = kit.getWorkload(w.name);
  const model = kit.loadModel(w.modelPath, w.name);

  const redis = new Redis({ host: services.redis.host, port: services.redis.port, maxRetriesPerRequest: 20 });
  const store = createRedisStateStore<unknown>(redis, `fl:${runId}:state:`);
  const kafka = createKafka(services.kafka.bootstrap, `fl-${runId}-${ctx.id}`);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({
    groupId: `fl-${runId}-passthrough`,
    maxWaitTimeInMs: 50,
    readUncommitted: false,
  });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic: topics.input, fromBeginning: true });
  consumer.on(consumer.events.GROUP_JOIN, () => ctx.ready());

  const send = async (outputs: OutputRecord[]) => {
    if (outputs.length === 0) return;
    await producer.send({
      topic: topics.output,
      messages: outputs.map((o) => ({ key: o.key, value: JSON.stringify(o) })),
    });
  };

  let processed = 0;
  await consumer.run({
    autoCommitInterval: 1000,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const readUs = systemClock.nowUs();
      const records = batch.messages.map((m) => decodeJson<InputRecord>(m.value));
      const keys = [...new Set(records.map((r) => r.key))];
      const states = await store.getMany(keys);
      const results = records.map((rec) => {
        const step = kit.runPipelineStep(workload, model, states.get(rec.key), rec.body);
        states.set(rec.key, step.state);
        return { rec, score: step.score };
      });
      await store.setMany(states);
      const writeUs = systemClock.nowUs();
      const outputs = results.map(
        ({ rec, score }): OutputRecord => ({
          id: rec.id,
          key: rec.key,
          t: rec.t,
          score,
          r: readUs,
          w: writeUs,
        }),
      );
      await send(
        rewrite(
          outputs,
          (held) => void send(held).catch((e) => ctx.emit({ type: 'sink.write-failed', error: String(e) })),
        ),
      );
      resolveOffset(batch.messages.at(-1)!.offset);
      processed += records.length;
      await heartbeat();
    },
  });
  ctx.emit({ type: 'worker.serving', topic: topics.input });

  await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  await consumer.disconnect();
  await producer.disconnect();
  redis.disconnect();
  ctx.emit({ type: 'worker.stopped', processed });
}
