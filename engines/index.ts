/**
 * The engine registry (every engine by name) and the face of engines/ for the layers above: the plug-in types,
 * and what another placement (infra/docker's containers) needs to launch workers.
 */
import { BadInputError } from '../core/errors.ts';
import { ackTree } from './ack-tree/index.ts';
import { barrierSnapshot } from './barrier-snapshot/index.ts';
import { flink } from './flink/index.ts';
import { kafkaStreams } from './kafka-streams/index.ts';
import { operatorCheckpoint } from './operator-checkpoint/index.ts';
import { passthrough } from './passthrough/index.ts';
import { storm } from './storm/index.ts';
import type { Engine, EngineName } from './types.ts';

export { startControlServer } from './runtime/control.ts';
export type {
  Deployment,
  DeployPlan,
  Engine,
  EngineName,
  Parallelism,
  Placement,
  ProcessControl,
  ProcessHandle,
  ProcessLauncher,
  ProcessSpec,
  WorkerHandle,
  WorkerInfo,
  WorkerLauncher,
} from './types.ts';
export { JVM_BENCH_WARMUP_S } from './types.ts';

export const engines: Readonly<Partial<Record<EngineName, Engine>>> = {
  passthrough,
  'ack-tree': ackTree,
  'barrier-snapshot': barrierSnapshot,
  'operator-checkpoint': operatorCheckpoint,
  storm,
  flink,
  'kafka-streams': kafkaStreams,
};

export function engineNames(): string[] {
  return Object.keys(engines);
}

export function getEngine(name: string): Engine {
  const engine = Object.hasOwn(engines, name) ? engines[name as EngineName] : undefined;
  if (!engine) {
    throw new BadInputError(`unknown engine "${name}"`, {
      code: 'UNKNOWN_ENGINE',
      fix: `use one of: ${engineNames().join(', ')}`,
    });
  }
  return engine;
}
