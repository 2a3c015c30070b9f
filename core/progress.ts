/**
 * Progress of long work (provisioning, runs, matrices), as plain events. The CLI renders them on stderr;
 * tests pass a no-op. Long steps tick every few seconds so a terminal never looks stuck.
 */
export interface ProgressEvent {
  /** What is happening, e.g. "Fetching Kafka 3.9.1 jars". */
  message: string;
  /** Set on the tick and the end events of a timed step. */
  elapsedMs?: number;
  state: 'start' | 'tick' | 'done' | 'fail' | 'info';
}

export type ProgressSink = (event: ProgressEvent) => void;

export const noProgress: ProgressSink = () => {};

/** Runs `fn`, reporting start, a tick every `tickMs`, and done/fail with the elapsed time. */
export async function timed<T>(
  progress: ProgressSink,
  message: string,
  fn: () => Promise<T>,
  tickMs = 5000,
): Promise<T> {
  const started = Date.now();
  progress({ message, state: 'start' });
  const ticker = setInterval(
    () => progress({ message, state: 'tick', elapsedMs: Date.now() - started }),
    tickMs,
  );
  ticker.unref();
  try {
    const value = await fn();
    progress({ message, state: 'done', elapsedMs: Date.now() - started });
    return value;
  } catch (e) {
    progress({ message, state: 'fail', elapsedMs: Date.now() - started });
    throw e;
  } finally {
    clearInterval(ticker);
  }
}
