/**
 * A pipelined batching writer (what a Kafka producer's accumulator does): items written while a batch is in
 * flight go out together in the next one, so a slow write (a Kafka produce round trip) costs latency once per
 * batch instead of once per caller. One batch is in flight at a time; `accepted` waits while more than
 * `maxQueued` items wait (back-pressure); `done` settles when the item's batch was written or failed.
 */
export interface BatchingWriter<T> {
  write(items: readonly T[]): { accepted: Promise<void>; done: Promise<void> };
  /** Resolves when everything written so far has been sent (or failed). */
  drain(): Promise<void>;
  queued(): number;
}

interface Pending<T> {
  items: readonly T[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

export function createBatchingWriter<T>(
  sendBatch: (items: T[]) => Promise<void>,
  opts: { maxBatch?: number; maxQueued?: number } = {},
): BatchingWriter<T> {
  const maxBatch = opts.maxBatch ?? 2000;
  const maxQueued = opts.maxQueued ?? 10_000;
  const queue: Pending<T>[] = [];
  let queuedItems = 0;
  let inFlight: Promise<void> | undefined;
  const spaceWaiters: (() => void)[] = [];

  const pump = () => {
    if (inFlight || queue.length === 0) return;
    const batch: Pending<T>[] = [];
    let n = 0;
    while (queue.length > 0 && (n === 0 || n + queue[0]!.items.length <= maxBatch)) {
      const p = queue.shift()!;
      batch.push(p);
      n += p.items.length;
    }
    queuedItems -= n;
    for (const w of spaceWaiters.splice(0)) w();
    inFlight = sendBatch(batch.flatMap((p) => p.items)).then(
      () => {
        for (const p of batch) p.resolve();
      },
      (e) => {
        for (const p of batch) p.reject(e);
      },
    );
    void inFlight.finally(() => {
      inFlight = undefined;
      pump();
    });
  };

  const waitForSpace = async () => {
    while (queuedItems > maxQueued) await new Promise<void>((r) => spaceWaiters.push(r));
  };

  return {
    write(items) {
      let resolve!: () => void;
      let reject!: (e: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      queue.push({ items, resolve, reject });
      queuedItems += items.length;
      pump();
      return { accepted: waitForSpace(), done };
    },
    async drain() {
      while (inFlight || queue.length > 0) await (inFlight ?? Promise.resolve()).catch(() => {});
    },
    queued: () => queuedItems,
  };
}
