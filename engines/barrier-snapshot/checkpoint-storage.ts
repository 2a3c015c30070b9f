/**
 * Where checkpoints live: Redis as checkpoint storage, keyed by job (run), checkpoint and task. The job
 * manager keeps the id of the latest completed checkpoint there too, so a restarted job manager (Flink with
 * HA) restores the job from it.
 */
export const checkpointKey = (runId: string, id: number, task: string) => `fl:${runId}:ckpt:${id}:${task}`;
export const latestCompletedKey = (runId: string) => `fl:${runId}:ckpt:latest`;
export const nextCheckpointIdKey = (runId: string) => `fl:${runId}:ckpt:next`;
/** The two-phase sink's transaction markers. */
export const controlTopic = (runId: string) => `fl.${runId}.sink-txn`;
