/**
 * Flink's OutputFlusher (RecordWriter.OutputFlusher): one thread per task output that, every buffer timeout,
 * flushes every channel's buffer whatever the age of its records — `while (running) { Thread.sleep(timeout);
 * flushAll(); }`. A record waits from 0 to the timeout for the next tick (half of it on average, per hop), the
 * records of a burst leave together on one tick, and a lone record at a low rate waits half the timeout, not
 * all of it. (A timer per buffer started by its first record is a Kafka producer's linger.ms, not Flink.)
 * A full buffer is sent at once by its writer, and a timeout of 0 sends every record at once (flushAlways);
 * neither involves the flusher.
 */
export interface OutputFlusher {
  stop(): void;
}

export function startOutputFlusher(timeoutMs: number, flushAll: () => void): OutputFlusher {
  let timer: NodeJS.Timeout | undefined;
  let running = timeoutMs > 0;
  const tick = () => {
    // Sleep, then flush: the period is the timeout plus the time flushAll takes, as in Flink.
    timer = setTimeout(() => {
      if (!running) return;
      flushAll();
      tick();
    }, timeoutMs);
    // The flusher alone never keeps a process alive (Flink's is a daemon thread).
    timer.unref();
  };
  if (running) tick();
  return {
    stop() {
      running = false;
      clearTimeout(timer);
    },
  };
}
