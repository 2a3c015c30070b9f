/**
 * kafka-streams: the real Kafka Streams 3.9.1 (issue 21), the same version as faultline's broker. N instances
 * (JVMs, cluster.ts) of faultline's app (engines/kafka-streams/java): input topic → features (the key's state
 * in a changelogged state store) → score (the workload's linear model) → output topic. exactly-once =
 * processing.guarantee exactly_once_v2 (output, changelog and input offsets committed in one transaction every
 * commit interval), at-least-once = at_least_once. No coordinator process: the broker's group coordinator
 * assigns the tasks. The app is built into the cache on first use. Each instance runs where the placement puts
 * processes: a local process, or (--provider docker) its own container on the run's network.
 */
import { BadInputError } from '../../core/errors.ts';
import { EV } from '../../core/events.ts';
import { type Engine, JVM_BENCH_WARMUP_S } from '../types.ts';
import { deployStreamsApp } from './cluster.ts';
import { kafkaStreamsHorizon, parseKafkaStreamsOptions } from './options.ts';
import { ensureStreamsApp } from './provision.ts';

/** The workloads with a Java port (engines/jvm-workloads), bit-identical to the TypeScript. */
const PORTED_WORKLOADS = ['transactions', 'titanic'];
/**
 * How long output may still pause once every task runs again (the drain does not count while a task is not
 * running): the task catching up from its last commit, and with exactly-once the first commit after it, which
 * makes the output visible.
 */
const CATCH_UP_ALLOWANCE_MS = 8000;

export const kafkaStreams: Engine = {
  name: 'kafka-streams',
  description: 'the real Kafka Streams 3.9.1: state store + changelog, exactly_once_v2; one JVM per instance',
  guarantees: ['exactly-once', 'at-least-once'],
  defaultGuarantee: 'exactly-once',
  topologies: ['chain'],
  parseOptions: (raw) => parseKafkaStreamsOptions(raw),
  // Streams reports no failure of a silent (paused) instance: the broker's group coordinator expires its member
  // after session.timeout.ms and the survivors rebalance (state REBALANCING → job.restarting). After a fault, the
  // first rebalance is that reaction, so it is the detection (a kill is detected earlier, by the JVM's exit).
  detectionEvents: [EV.jobRestarting],
  replayHorizonMs(raw) {
    return 2 * parseKafkaStreamsOptions(raw).commitIntervalMs + CATCH_UP_ALLOWANCE_MS;
  },
  horizon: (raw) => kafkaStreamsHorizon(parseKafkaStreamsOptions(raw)),
  // The app's consumer group is its application.id; it commits the input offsets every commit.interval.ms (with
  // exactly-once inside the transaction that makes the output visible).
  // A JVM: its JIT warms up over the first tens of seconds of load (types.ts).
  benchWarmupS: JVM_BENCH_WARMUP_S,
  committedOffsets: (raw) => ({
    groupInfix: 'kstreams',
    intervalMs: parseKafkaStreamsOptions(raw).commitIntervalMs,
  }),
  async deploy(plan) {
    const options = parseKafkaStreamsOptions(plan.options);
    if (!PORTED_WORKLOADS.includes(plan.workload.name)) {
      throw new BadInputError(
        `kafka-streams runs the workloads ${PORTED_WORKLOADS.join(', ')} so far, not ${plan.workload.name}`,
        { fix: `run --workload ${PORTED_WORKLOADS.join(' or ')}` },
      );
    }
    if ((plan.topology ?? 'chain') !== 'chain') {
      throw new BadInputError(`kafka-streams deploys the chain topology only, not ${plan.topology}`);
    }
    const program = await ensureStreamsApp();
    return deployStreamsApp(plan, options, program);
  },
};
