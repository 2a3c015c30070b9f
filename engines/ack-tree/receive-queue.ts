/**
 * An executor's receive queue in a worker that runs several (Storm's executor receive buffer,
 * `topology.executor.receive.buffer.size`, 32768 tuples): the worker's transfer puts frames in and returns, so a
 * slow executor does not hold up its worker mates; the executor takes them one at a time, in arrival order. A
 * sender that finds more than `capacity` tuples queued may wait until its own frame was handled (back-pressure, as
 * a full queue makes a worker mate's emit wait in Storm 2); frames from other workers never wait (see worker.ts).
 */
export class ReceiveQueue {
  private tail: Promise<void> = Promise.resolve();
  private queuedTuples = 0;

  constructor(
    private readonly capacity: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Queues `handle` for `tuples` tuples; resolves at once, or once handled when the queue is over capacity. */
  push(tuples: number, handle: () => Promise<void> | void): Promise<void> {
    this.queuedTuples += tuples;
    const done = this.tail
      .then(handle)
      .catch(this.onError)
      .finally(() => {
        this.queuedTuples -= tuples;
      });
    this.tail = done;
    return this.queuedTuples > this.capacity ? done : Promise.resolve();
  }

  /** Tuples queued and not yet handled. */
  queued(): number {
    return this.queuedTuples;
  }

  /** Resolves when everything queued so far was handled. */
  drained(): Promise<void> {
    return this.tail;
  }
}

/** Storm 2's `topology.executor.receive.buffer.size` default. */
export const STORM_RECEIVE_BUFFER = 32_768;
