/**
 * kafka-streams options: the settings handed to each Streams instance, with documented defaults, and the
 * adapter's own supervision of the instance JVMs.
 *
 * - sessionTimeoutMs (45000, Kafka's default): the consumer's session.timeout.ms, the time after which the group
 *   coordinator (the broker) drops a silent instance and gives its tasks to the others: the detection time of a
 *   dead or hung instance. The catalogue scales it to 5 s like the other engines' heartbeat timeouts (issue 21
 *   measured the survivor running again 5.5 s after a kill with 6 s); faultline's broker accepts down to 1 s
 *   (group.min.session.timeout.ms; Kafka's own broker default is 6 s).
 * - heartbeatIntervalMs (3000, Kafka's default): heartbeat.interval.ms, at most a third of the session timeout
 *   (Kafka's advice).
 * - commitIntervalMs (100): commit.interval.ms, how often the input offsets are committed — with exactly-once
 *   the transaction cadence (output, changelog and offsets become visible together), so also how far back a
 *   task restarts after a crash. 100 ms is Streams' default for exactly_once_v2; its at_least_once default is
 *   30 s (set it with -o commitIntervalMs=30000).
 * - instances (2): Streams instances, each a JVM and a faultline worker; threads (1): num.stream.threads each.
 * - standbyReplicas (0): num.standby.replicas (Streams' default): a moved task restores its store from the
 *   changelog.
 * - jit ('c1'): the instance JVMs' JIT. 'c1' (-XX:TieredStopAtLevel=1) compiles with C1 only: an instance is up
 *   and fast sooner, and C2's compile threads do not compete with the other processes of a fault run on a small
 *   machine; its steady-state code is slower. 'full' is the JVM's default tiered JIT (C1 then C2), what a
 *   production deployment runs: use it for throughput (`-o jit=full` in a bench of the real engines).
 * - supervisorCheckMs (1000): how long after an instance JVM exited unasked the adapter starts a new one (what
 *   Kubernetes or systemd would do); launchTimeoutS (120): how long every instance may take to run with its
 *   tasks.
 */
import { BadInputError } from '../../core/errors.ts';
import { parseEngineOptions, secondsText } from '../runtime/options.ts';
import type { ReplayHorizon } from '../types.ts';

export interface KafkaStreamsOptions {
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  commitIntervalMs: number;
  instances: number;
  threads: number;
  standbyReplicas: number;
  jit: KafkaStreamsJit;
  supervisorCheckMs: number;
  launchTimeoutS: number;
  /** Links through Toxiproxy: not yet (the JVMs reach Kafka directly). */
  proxied: boolean;
}

export type KafkaStreamsJit = 'c1' | 'full';
const JITS: readonly KafkaStreamsJit[] = ['c1', 'full'];

export const KAFKA_STREAMS_DEFAULTS: KafkaStreamsOptions = {
  sessionTimeoutMs: 45_000,
  heartbeatIntervalMs: 3000,
  commitIntervalMs: 100,
  instances: 2,
  threads: 1,
  standbyReplicas: 0,
  jit: 'c1',
  supervisorCheckMs: 1000,
  launchTimeoutS: 120,
  proxied: false,
};

/** faultline's broker's group.min.session.timeout.ms (infra/docker/images/kafka-server.properties). */
export const BROKER_MIN_SESSION_TIMEOUT_MS = 1000;

const INTEGER = new Set(Object.keys(KAFKA_STREAMS_DEFAULTS).filter((k) => k !== 'proxied' && k !== 'jit'));
const AT_LEAST_ONE = new Set([
  'instances',
  'threads',
  'launchTimeoutS',
  'commitIntervalMs',
  'heartbeatIntervalMs',
]);

export function parseKafkaStreamsOptions(raw: Record<string, unknown>): KafkaStreamsOptions {
  const options = parseEngineOptions('kafka-streams', KAFKA_STREAMS_DEFAULTS, raw, (k, value, out) => {
    if (k === 'jit') {
      if (!JITS.includes(value as KafkaStreamsJit))
        throw new BadInputError(
          `kafka-streams option jit must be one of ${JITS.join(', ')}, got ${JSON.stringify(value)}`,
          {
            fix: 'use -o jit=c1 (C1 only, the default: quick to start) or -o jit=full (C1 then C2, for throughput)',
          },
        );
      out.jit = value as KafkaStreamsJit;
      return;
    }
    const n = Number(value);
    const min = AT_LEAST_ONE.has(k) ? 1 : 0;
    if (!Number.isFinite(n) || n < min || (INTEGER.has(k) && !Number.isInteger(n))) {
      throw new BadInputError(
        `kafka-streams option ${k} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`,
      );
    }
    out[k] = n;
  });
  if (options.proxied) {
    throw new BadInputError('kafka-streams cannot route its links through Toxiproxy yet', {
      fix: 'leave proxied off: Kafka faults act on the broker itself',
    });
  }
  if (options.sessionTimeoutMs < BROKER_MIN_SESSION_TIMEOUT_MS) {
    throw new BadInputError(
      `kafka-streams sessionTimeoutMs ${options.sessionTimeoutMs} is below the broker's group.min.session.timeout.ms (${BROKER_MIN_SESSION_TIMEOUT_MS}): the instances could not join`,
      { fix: `use -o sessionTimeoutMs=${BROKER_MIN_SESSION_TIMEOUT_MS} or more` },
    );
  }
  if (options.heartbeatIntervalMs * 3 > options.sessionTimeoutMs) {
    throw new BadInputError(
      `kafka-streams heartbeatIntervalMs ${options.heartbeatIntervalMs} is more than a third of sessionTimeoutMs ${options.sessionTimeoutMs}: a live instance could miss its session`,
      { fix: `use -o heartbeatIntervalMs=${Math.floor(options.sessionTimeoutMs / 3)} or less` },
    );
  }
  return options;
}

/**
 * The horizon: a crashed instance's tasks restart from the last commit (the commit interval back) once the group
 * coordinator has dropped it (the session timeout).
 */
export function kafkaStreamsHorizon(options: KafkaStreamsOptions): ReplayHorizon {
  return {
    restorePointMs: options.commitIntervalMs,
    detectionMs: options.sessionTimeoutMs,
    text: `commit interval ${secondsText(options.commitIntervalMs)} · session timeout ${secondsText(options.sessionTimeoutMs)}`,
  };
}
