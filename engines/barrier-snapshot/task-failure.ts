/**
 * How a task's handling of a job manager message ends when it goes wrong: as in Flink, an exception while the task
 * restores (its state, its Kafka clients), snapshots or commits fails the task (the job then fails over from the
 * latest checkpoint), and a restore that has not finished after `restoreTimeoutMs` fails it too (Kafka's clients
 * give up after default.api.timeout.ms / max.block.ms, 60 s). Swallowed, such an error left the task neither
 * running nor failed and the job stalled for good (soak seed 61: a Kafka restart during a restore).
 */
export async function failingTaskOnError(
  what: 'restore' | 'trigger' | 'notify',
  handle: () => Promise<void>,
  failTask: (cause: string) => void,
  restoreTimeoutMs: number,
): Promise<void> {
  const timer =
    what === 'restore'
      ? setTimeout(() => failTask(`restore not finished after ${restoreTimeoutMs} ms`), restoreTimeoutMs)
      : undefined;
  try {
    await handle();
  } catch (e) {
    failTask(`${what} failed: ${(e as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}
