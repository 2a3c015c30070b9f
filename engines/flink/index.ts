/**
 * flink: the real Apache Flink 1.20.3 (issue 21), next to barrier-snapshot, its model. A standalone session
 * cluster (a JobManager JVM, TaskManager JVMs: cluster.ts) runs faultline's job (engines/flink/java):
 * KafkaSource → features (per-card state in Flink's keyed state, checkpointed) → score (the workload's linear
 * model) → KafkaSink; exactly-once = EXACTLY_ONCE checkpoints and the transactional sink, at-least-once =
 * AT_LEAST_ONCE checkpoints and plain writes. The job and the cluster's jars are built into the cache on first
 * use. The JVMs run where the placement puts processes: local processes, or (--provider docker) the JobManager
 * and each TaskManager in its own container on the run's network.
 */
import { BadInputError } from '../../core/errors.ts';
import { flinkHorizon } from '../barrier-snapshot/options.ts';
import { type Engine, JVM_BENCH_WARMUP_S } from '../types.ts';
import { deployFlinkCluster } from './cluster.ts';
import { parseFlinkOptions } from './options.ts';
import { ensureFlinkJob } from './provision.ts';

/**
 * The workloads whose `parse` and `step` have a Java port (TransactionFeatures.java, TitanicFeatures.java),
 * bit-identical to the TypeScript (test/flink.test.ts).
 */
const PORTED_WORKLOADS = ['transactions', 'titanic'];
/**
 * How long output may still pause once Flink says the job runs again (job.running; the drain does not count
 * before it, nor while a subtask is being deployed): the sources catching up and the first checkpoint after
 * the restore completing, which makes transactional output visible. With 3 s a contract kill run failed its
 * guarantee at load average 14 (the machine shared with other runs; the test's folder was gone, so whether
 * the drain ended too soon is not proven): 8 s.
 */
const CATCH_UP_ALLOWANCE_MS = 8000;

export const flink: Engine = {
  name: 'flink',
  description:
    'the real Apache Flink 1.20.3: KafkaSource, keyed state, 2PC KafkaSink; JobManager + TaskManager JVMs',
  guarantees: ['exactly-once', 'at-least-once'],
  defaultGuarantee: 'exactly-once',
  topologies: ['chain'],
  parseOptions: parseFlinkOptions,
  // After a failover the job runs again after the restart delay; transactional output becomes visible at the
  // next completed checkpoint after that.
  replayHorizonMs(raw) {
    const o = parseFlinkOptions(raw);
    return o.restartDelayMs + 2 * o.checkpointIntervalMs + CATCH_UP_ALLOWANCE_MS;
  },
  horizon: (raw) => flinkHorizon(parseFlinkOptions(raw)),
  // The KafkaSource commits its group's offsets when a checkpoint completes (commit.offsets.on.checkpoint, on
  // with a group id), for monitoring: they are the checkpoint's. Without checkpoints it commits none.
  // A JVM: its JIT warms up over the first tens of seconds of load (types.ts).
  benchWarmupS: JVM_BENCH_WARMUP_S,
  committedOffsets: (raw, guarantee) => {
    const { checkpointIntervalMs } = parseFlinkOptions(raw, guarantee);
    return checkpointIntervalMs > 0 ? { groupInfix: 'flink', intervalMs: checkpointIntervalMs } : null;
  },
  async deploy(plan) {
    const options = parseFlinkOptions(plan.options, plan.guarantee);
    if (!PORTED_WORKLOADS.includes(plan.workload.name)) {
      throw new BadInputError(
        `flink runs the workloads ${PORTED_WORKLOADS.join(', ')} so far, not ${plan.workload.name}`,
        { fix: `run --workload ${PORTED_WORKLOADS.join(' or ')}` },
      );
    }
    if ((plan.topology ?? 'chain') !== 'chain') {
      throw new BadInputError(`flink deploys the chain topology only, not ${plan.topology}`);
    }
    if (options.proxied && plan.placement && plan.placement.launcher.kind !== 'local') {
      // A TaskManager advertises one host name for RPC and data alike (taskmanager.host): under docker its
      // container's alias, so its data connections cannot be sent to Toxiproxy's host without its RPC too.
      throw new BadInputError(
        `flink's proxied data links need the local provider: under ${plan.placement.launcher.kind} a TaskManager advertises its container's name for RPC and data alike, so its data port cannot be put behind Toxiproxy alone`,
        { fix: 'drop -o proxied=true, or use --provider local' },
      );
    }
    const program = await ensureFlinkJob();
    return deployFlinkCluster(plan, options, program);
  },
};
