/**
 * storm options: the settings handed to the real topology (topology.message.timeout.secs, max spout pending,
 * ackers, the KafkaSpout's offset commit period and retry back-off, the feature bolt's Jedis timeout), with
 * Storm's defaults (ack-tree's STORM_DEFAULTS, where they mean the same thing), plus the deployment: 0
 * supervisors (the default) is one LocalCluster JVM that the adapter relaunches `supervisorCheckMs` after it
 * died; N ≥ 1 is a cluster of separate JVMs (ZooKeeper, nimbus, N supervisors, `workers` worker JVMs) where
 * Storm's own supervisors relaunch a dead worker on their settings.
 */
import { BadInputError } from '../../core/errors.ts';
import { type AckTreeOptions, STORM_DEFAULTS } from '../ack-tree/options.ts';
import { parseEngineOptions } from '../runtime/options.ts';

/** The settings with ack-tree's meaning (see engines/ack-tree/options.ts) plus the adapter's own. */
export type StormOptions = Pick<
  AckTreeOptions,
  | 'messageTimeoutS'
  | 'maxSpoutPending'
  | 'ackers'
  | 'commitIntervalMs'
  | 'retryInitialDelayMs'
  | 'retryDelayPeriodMs'
  | 'retryMaxDelayMs'
  | 'maxRetries'
  | 'stateTimeoutMs'
  | 'supervisorCheckMs'
  | 'launchTimeoutS'
> & {
  /** 0: one LocalCluster JVM; N: a cluster of ZooKeeper, nimbus and N supervisor JVMs (one slot each). */
  supervisors: number;
  /** Worker JVMs of the topology in a cluster (topology.workers); null: one per supervisor. */
  workers: number | null;
  /**
   * Storm's own `topology.*` settings, handed to the topology's config as they are (`-o
   * topology.bolt.wait.progressive.level2.count=10`); Storm validates them at submission.
   */
  topologyConf: Record<string, string | number | boolean>;
  /** Links through Toxiproxy: not yet (the JVM reaches Kafka and Redis directly). */
  proxied: boolean;
};

export const STORM_ENGINE_DEFAULTS: StormOptions = {
  messageTimeoutS: STORM_DEFAULTS.messageTimeoutS,
  maxSpoutPending: STORM_DEFAULTS.maxSpoutPending,
  ackers: STORM_DEFAULTS.ackers,
  commitIntervalMs: STORM_DEFAULTS.commitIntervalMs,
  retryInitialDelayMs: STORM_DEFAULTS.retryInitialDelayMs,
  retryDelayPeriodMs: STORM_DEFAULTS.retryDelayPeriodMs,
  retryMaxDelayMs: STORM_DEFAULTS.retryMaxDelayMs,
  maxRetries: STORM_DEFAULTS.maxRetries,
  stateTimeoutMs: STORM_DEFAULTS.stateTimeoutMs,
  supervisorCheckMs: STORM_DEFAULTS.supervisorCheckMs,
  launchTimeoutS: STORM_DEFAULTS.launchTimeoutS,
  supervisors: 0,
  workers: null,
  topologyConf: {},
  proxied: false,
};

const NULLABLE = new Set(['maxSpoutPending', 'ackers', 'maxRetries', 'workers']);
const INTEGER = new Set([
  'messageTimeoutS',
  'maxSpoutPending',
  'ackers',
  'maxRetries',
  'launchTimeoutS',
  'supervisors',
  'workers',
]);

/** A `-o` value as Storm's YAML would read it: a number or a boolean when it looks like one. */
function stormValue(key: string, value: unknown): string | number | boolean {
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'string')
    throw new BadInputError(`storm setting ${key} must be a number, boolean or text`);
  if (value === 'true' || value === 'false') return value === 'true';
  return value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value;
}

export function parseStormOptions(raw: Record<string, unknown>): StormOptions {
  const topologyConf: StormOptions['topologyConf'] = {};
  const own: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith('topology.')) topologyConf[key] = stormValue(key, value);
    else if (key === 'topologyConf') {
      for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
        if (!k.startsWith('topology.'))
          throw new BadInputError(`storm topologyConf takes topology.* keys, not ${k}`);
        topologyConf[k] = stormValue(k, v);
      }
    } else own[key] = value;
  }
  const options = parseEngineOptions(
    'storm',
    { ...STORM_ENGINE_DEFAULTS, topologyConf },
    own,
    (k, value, out) => {
      if (NULLABLE.has(k) && (value === null || value === 'null' || value === 'unbounded')) {
        (out as unknown as Record<string, null>)[k] = null;
        return;
      }
      const n = Number(value);
      const min = k === 'messageTimeoutS' || k === 'launchTimeoutS' || k === 'workers' ? 1 : 0;
      if (!Number.isFinite(n) || n < min || (INTEGER.has(k) && !Number.isInteger(n))) {
        throw new BadInputError(
          `storm option ${k} must be ${INTEGER.has(k) ? 'an integer' : 'a number'} ≥ ${min}, got ${JSON.stringify(value)}`,
        );
      }
      (out as unknown as Record<string, number>)[k] = n;
    },
  );
  if (options.proxied) {
    throw new BadInputError('storm cannot route its links through Toxiproxy yet', {
      fix: 'leave proxied off: Kafka and Redis faults act on the services themselves',
    });
  }
  if (options.workers !== null && options.supervisors === 0) {
    throw new BadInputError('storm option workers is for a cluster (supervisors ≥ 1)', {
      fix: 'add -o supervisors=N, or leave workers out: LocalCluster runs one worker',
    });
  }
  if (options.workers !== null && options.workers > options.supervisors) {
    throw new BadInputError(
      `storm: ${options.workers} workers do not fit on ${options.supervisors} supervisors of one slot each`,
    );
  }
  return options;
}
