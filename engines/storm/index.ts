/**
 * storm: the real Apache Storm 2.8.0 (issue 20), next to ack-tree, its model. KafkaSpout (storm-kafka-client,
 * acking on for at-least-once with its retry back-off and offset commits, AT_MOST_ONCE and no ackers for
 * at-most-once) → feature bolt (per-key state in Redis, not rolled back, as the TypeScript engines keep it) →
 * scoring bolt (the run's model: a linear model from its coefficients, own or h2o-glm, or an H2O GBM from its
 * MOJO through h2o-genmodel: `scoresMojo`) → KafkaBolt. The topology is Java (engines/storm/java, with the
 * workloads' ports shared with flink in engines/jvm-workloads), built into the cache on first use.
 * Deployed as one LocalCluster JVM (local-cluster.ts, the default) or, with `-o supervisors=N`, as a cluster
 * of separate JVMs: ZooKeeper, nimbus, N supervisors and their worker JVMs (cluster.ts; under --provider docker
 * ZooKeeper, nimbus and each supervisor in its own container, a supervisor's workers inside it). Workloads
 * `transactions` and `titanic`.
 */
import { BadInputError } from '../../core/errors.ts';
import { stormReplayHorizonMs } from '../ack-tree/options.ts';
import { secondsText } from '../runtime/options.ts';
import { type Engine, JVM_BENCH_WARMUP_S } from '../types.ts';
import { deployStormCluster } from './cluster.ts';
import { deployLocalCluster } from './local-cluster.ts';
import { parseStormOptions } from './options.ts';
import { ensureStormTopology } from './provision.ts';

/**
 * The workloads whose `step` has a Java port (engines/jvm-workloads) and a Redis JSON state adapter
 * (RedisJsonState.java), bit-identical to the TypeScript.
 */
const PORTED_WORKLOADS = ['transactions', 'titanic'];

export const storm: Engine = {
  name: 'storm',
  description:
    'the real Apache Storm 2.8.0: KafkaSpout, Redis state bolt, scoring bolt, KafkaBolt (LocalCluster, or -o supervisors=N)',
  guarantees: ['at-least-once', 'at-most-once'],
  defaultGuarantee: 'at-least-once',
  topologies: ['chain'],
  // The scoring bolt runs an H2O GBM's MOJO through h2o-genmodel (ScoreBolt, dev.faultline.workloads.H2oMojoModel).
  scoresMojo: true,
  parseOptions: parseStormOptions,
  // As ack-tree's (the same Storm settings); the relaunch of the worker JVM is this adapter's check period.
  replayHorizonMs: (raw) => stormReplayHorizonMs(parseStormOptions(raw)),
  horizon(raw) {
    const o = parseStormOptions(raw);
    return {
      restorePointMs: o.commitIntervalMs,
      detectionMs: o.messageTimeoutS * 1000,
      text: `offset commit ${secondsText(o.commitIntervalMs)} · message timeout ${o.messageTimeoutS} s · ${
        o.supervisors > 0
          ? `${o.supervisors} supervisors relaunch workers`
          : `relaunch after ${secondsText(o.supervisorCheckMs)}`
      }`,
    };
  },
  // The KafkaSpout commits its group's acked prefix every offset.commit.period.ms; at-most-once commits right
  // after each poll, before emitting (ProcessingGuarantee.AT_MOST_ONCE).
  // A JVM: its JIT warms up over the first tens of seconds of load (types.ts).
  benchWarmupS: JVM_BENCH_WARMUP_S,
  committedOffsets: (raw, guarantee) => ({
    groupInfix: 'storm',
    intervalMs: guarantee === 'at-most-once' ? 0 : parseStormOptions(raw).commitIntervalMs,
  }),
  async deploy(plan) {
    const options = parseStormOptions(plan.options);
    if (!PORTED_WORKLOADS.includes(plan.workload.name)) {
      throw new BadInputError(
        `storm runs the workloads ${PORTED_WORKLOADS.join(', ')} so far, not ${plan.workload.name}`,
        {
          fix: `run --workload ${PORTED_WORKLOADS.join(' or ')}: only these have a Java port (engines/jvm-workloads)`,
        },
      );
    }
    if ((plan.topology ?? 'chain') !== 'chain') {
      throw new BadInputError(`storm deploys the chain topology only, not ${plan.topology}`);
    }
    const provider = plan.placement?.launcher.kind ?? 'local';
    if (options.supervisors === 0 && provider !== 'local') {
      throw new BadInputError(`storm's LocalCluster runs as a local process only, not under ${provider}`, {
        fix: 'run a cluster in containers with -o supervisors=N (e.g. 3), or use --provider local',
      });
    }
    const program = await ensureStormTopology();
    if (options.supervisors === 0) return deployLocalCluster(plan, options, program);
    return deployStormCluster(plan, options, program);
  },
};
