/**
 * The event vocabulary of `events.jsonl`: every `type` that an engine, the runtime or the harness writes, and
 * that the harness (recovery, drain), the claims and the timeline read. `EngineEvent.type` is this union, so
 * an emitter or a reader with a misspelt type does not compile — a typo can no longer silently zero a recovery
 * figure or a claim. Readers use the constants in `EV`; emitters may write the literal (it is checked).
 */
export const EV = {
  // The runtime: supervisor, deploy, worker host (every engine).
  deployLinks: 'deploy.links',
  workerStarted: 'worker.started',
  workerFailed: 'worker.failed',
  workerRestarting: 'worker.restarting',
  workerRestarted: 'worker.restarted',
  workerCancelled: 'worker.cancelled',
  workerStopped: 'worker.stopped',
  workerExited: 'worker.exited',
  /** A coordinator (nimbus, STRAM) heard nothing from a worker for its heartbeat timeout. */
  workerHeartbeatTimeout: 'worker.heartbeat-timeout',
  /** passthrough: the worker consumes its input. */
  workerServing: 'worker.serving',

  // The harness: faults and the load.
  faultInject: 'fault.inject',
  faultHeal: 'fault.heal',
  faultError: 'fault.error',
  /** A fault that could not happen: its target was not running when it was due (being restarted). */
  faultSkipped: 'fault.skipped',
  generatorSendFailed: 'generator.send-failed',
  /** The collector's Kafka consumer crashed, was replaced, read again (harness/collector.ts). */
  collectorCrashed: 'collector.crashed',
  collectorReplaced: 'collector.replaced',
  collectorReading: 'collector.reading',

  // ack-tree (Storm).
  tupleFailed: 'tuple.failed',
  tupleTimeout: 'tuple.timeout',
  tupleReplayed: 'tuple.replayed',
  offsetsCommitted: 'offsets.committed',

  // barrier-snapshot (Flink).
  checkpointTriggered: 'checkpoint.triggered',
  checkpointCompleted: 'checkpoint.completed',
  checkpointDeclined: 'checkpoint.declined',
  checkpointAborted: 'checkpoint.aborted',
  failureDetected: 'failure.detected',
  jobCancelled: 'job.cancelled',
  jobRestarting: 'job.restarting',
  jobRunning: 'job.running',
  taskStarted: 'task.started',
  taskRestored: 'task.restored',
  taskFailed: 'task.failed',
  sourcePositioned: 'source.positioned',
  sourceProgress: 'source.progress',
  transactionCommitted: 'transaction.committed',
  sinkWriteFailed: 'sink.write-failed',

  // operator-checkpoint (Apex).
  stramStarted: 'stram.started',
  operatorStarted: 'operator.started',
  operatorDeployed: 'operator.deployed',
  operatorAdopted: 'operator.adopted',
  operatorFailed: 'operator.failed',
  /** STRAM's decision: the operators it redeploys (the downstream closure), each with its recovery checkpoint. */
  redeploy: 'redeploy',
  windowBegin: 'window.begin',
  windowEnd: 'window.end',
  checkpointSaved: 'checkpoint.saved',
  committedWindow: 'committed.window',
  bufferPurged: 'buffer.purged',
  replayFrom: 'replay.from',
  replayDone: 'replay.done',
  sourceConsumerReplaced: 'source.consumer-replaced',
  sinkWrittenWindow: 'sink.written-window',
  sinkSkipped: 'sink.skipped',
} as const;

export type EventType = (typeof EV)[keyof typeof EV];

const KNOWN = new Set<string>(Object.values(EV));

/** For events read back from a file: is this a type of the vocabulary? */
export function isEventType(type: unknown): type is EventType {
  return typeof type === 'string' && KNOWN.has(type);
}
