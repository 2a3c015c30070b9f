/**
 * What an operator implementation gets from the worker process that hosts it (worker.ts builds it): the
 * deployment, the clients, the buffer server to publish into, and the checkpoint and event hooks.
 */
import type { Redis } from 'ioredis';
import type { WorkerBoot } from '../runtime/boot.ts';
import type { WorkerHost } from '../runtime/worker-host.ts';
import type { WorkerContext } from '../types.ts';
import type { BufferServer } from './buffer-server.ts';
import type { DeployMessage, Tuple } from './messages.ts';
import type { OperatorCheckpointOptions } from './options.ts';
import type { ProcessingMode } from './processing-mode.ts';
import type { WindowClock } from './window.ts';

export type Boot = WorkerBoot<OperatorCheckpointOptions>;

export interface OperatorEnv {
  boot: Boot;
  ctx: WorkerContext<Boot>;
  host: WorkerHost<OperatorCheckpointOptions>;
  redis: Redis;
  clock: WindowClock;
  /** This operator's processing mode. */
  mode: ProcessingMode;
  deploy: DeployMessage;
  /** This worker's buffer server (none for the sink). */
  buffer: BufferServer<Tuple> | undefined;
  /** Adds output records to the open window of the buffer server, partitioned by key. */
  publish(records: readonly Tuple[]): void;
  /** Lets subscribers see what was published (BEGIN/END_WINDOW too). */
  schedulePump(): void;
  /** Saves the checkpoint of window `w` (`state` null: stateless, nothing written) and reports it. */
  checkpoint(w: number, state: string | null, marker: boolean): void;
  /** The operator ended window `w` (reported in heartbeats). */
  windowEnded(w: number): void;
  /** window.begin / window.end on the timeline, sampled. */
  windowEvent(type: 'window.begin' | 'window.end', w: number): void;
  /** Called with every committed window the master announces. */
  onCommitted(listener: (committed: number) => void): void;
  /** Cleared when the worker stops. */
  timers: NodeJS.Timeout[];
  /** Logs and exits: the master redeploys the operator and its downstream closure. */
  fatal(e: unknown): never;
}

/** The operator-specific part of a non-input operator (features, score, the outputs). */
export interface OperatorLogic {
  process(records: Tuple[]): void | Promise<void>;
  endWindow?(w: number): void | Promise<void>;
  /** Serialized state for a checkpoint; null for a stateless operator (nothing is written). */
  snapshot(): string | null;
  stop?(): Promise<void>;
}

export function logLine(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}
