/**
 * A fix for kafkajs' request queue, which spins on a 1 ms timer per broker connection for as long as the
 * connection lives (kafkajs 2.2.4, its last release; tulios/kafkajs#1556, #1704, fix proposed in #1667, none
 * merged).
 *
 * `checkPendingRequests` ends by calling `scheduleCheckPendingRequests`, which sets a timer for
 * `throttledUntil - now` even when nothing is pending and nothing is throttled: `throttledUntil` is -1 then, the
 * delay negative, Node makes it 1 ms, the timer calls `checkPendingRequests` again, and so on. Every faultline
 * process with a Kafka client woke up to 1000 times a second per broker connection doing nothing: in an ack-tree run
 * at 100 events/s a spout set 57000 of these timers in its life of about 25 s, its event loop woke 1100 times a
 * second (strace), and the engine's seven processes took 0.72 of the machine's 2 cores (the harness 0.29, both
 * with the profiler on) for 100 events/s.
 *
 * Here the queue schedules a check only when there is something to check: a request pending (at the throttle's
 * end, or after kafkajs' 10 ms interval when the requests in flight are at their limit), or a throttle in force.
 * With nothing pending and no throttle, the next `push` or response checks the queue itself (`push` sends at once
 * or enqueues and schedules; `fulfillRequest` and a request's timeout call `checkPendingRequests`). The Java client
 * the real systems use has no such loop: idle, its network thread blocks in its selector until a send, a response or
 * its next deadline (a request timeout, a metadata refresh).
 *
 * Patched on the class's prototype, so it holds for every connection whenever kafkajs loaded; refused loudly if
 * the method is no longer the one this fix replaces (a kafkajs upgrade: look again).
 */
import { kafkajsRequire } from './kafkajs-module.ts';

/** kafkajs' CHECK_PENDING_REQUESTS_INTERVAL. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/** The fields of kafkajs' RequestQueue the schedule reads and writes. */
export interface RequestQueueState {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}

/** How long until the queue should look at its pending requests again; undefined: nothing to look at. */
export function nextCheckDelayMs(pendingCount: number, throttledForMs: number): number | undefined {
  if (pendingCount > 0) return throttledForMs > 0 ? throttledForMs : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  return throttledForMs > 0 ? throttledForMs : undefined;
}

/** RequestQueue.scheduleCheckPendingRequests without the idle loop. */
export function scheduleCheckPendingRequests(this: RequestQueueState): void {
  if (this.throttleCheckTimeoutId) return;
  const delay = nextCheckDelayMs(this.pending.length, this.throttledUntil - Date.now());
  if (delay === undefined) return;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}

/** The line of kafkajs 2.2.4's method that makes the loop: a delay computed whether or not anything is pending. */
const REPLACED_FINGERPRINT = 'let scheduleAt = this.throttledUntil - Date.now()';

const RequestQueue = kafkajsRequire('kafkajs/src/network/requestQueue/index.js') as {
  prototype: { scheduleCheckPendingRequests: (this: RequestQueueState) => void };
};
const original = RequestQueue.prototype.scheduleCheckPendingRequests as { faultline?: true };
// A module system may evaluate this module more than once (vitest does per test file) while kafkajs loads once: a
// method replaced already (by an earlier evaluation, so another function object) is left alone.
if (original.faultline !== true) {
  if (!original.toString().includes(REPLACED_FINGERPRINT))
    throw new Error(
      'kafkajs RequestQueue.scheduleCheckPendingRequests is not the method clients/kafkajs-request-queue.ts fixes ' +
        '(kafkajs was upgraded?): check whether the idle 1 ms loop is still there, then update or drop the fix',
    );
  RequestQueue.prototype.scheduleCheckPendingRequests = Object.assign(scheduleCheckPendingRequests, {
    faultline: true as const,
  });
}
