/**
 * A deployment's `ready()` for the adapters of real systems (Storm, Flink, Kafka Streams): settled once, opened (the topology runs) or failed (it never
 * will); every wait before that times out on its own with the error `timeout()` makes.
 */
export function readyGate(timeoutMs: number, timeout: () => Error) {
  let outcome: { error?: Error } | undefined;
  const waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  return {
    open() {
      if (outcome) return;
      outcome = {};
      for (const w of waiters.splice(0)) w.resolve();
    },
    fail(error: Error) {
      if (outcome) return;
      outcome = { error };
      for (const w of waiters.splice(0)) w.reject(error);
    },
    wait(): Promise<void> {
      if (outcome) return outcome.error ? Promise.reject(outcome.error) : Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(timeout()), timeoutMs);
        waiters.push({
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    },
  };
}
