import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import './kafka.ts';
import { nextCheckDelayMs } from './kafkajs-request-queue.ts';

interface Entry {
  correlationId: number;
  apiKey: number;
  apiName: string;
  apiVersion: number;
  resolve(response: unknown): void;
  reject(e: unknown): void;
}
interface Queue {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  push(request: { entry: Entry; expectResponse: boolean; sendRequest(): void }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** kafkajs' own RequestQueue, as a broker connection makes it (at most `maxInFlight` requests in flight). */
function queue(maxInFlight: number): Queue {
  const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as new (
    opts: object,
  ) => Queue;
  return new RequestQueue({
    maxInFlightRequests: maxInFlight,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger: silent,
  });
}

/** Pushes one request; `sent` counts the requests the queue put on the wire. */
function request(q: Queue, correlationId: number, sent: number[]) {
  const answered = new Promise((resolve, reject) => {
    q.push({
      entry: { correlationId, apiKey: 1, apiName: 'Fetch', apiVersion: 11, resolve, reject },
      expectResponse: true,
      sendRequest: () => sent.push(correlationId),
    });
  });
  return { answer: () => q.fulfillRequest({ correlationId, payload: Buffer.alloc(0), size: 0 }), answered };
}

describe("kafkajs request queue's schedule", () => {
  it('sets no timer once nothing is pending and nothing is throttled (kafkajs 2.2.4 spun at 1 ms)', async () => {
    const q = queue(1);
    const sent: number[] = [];
    const r = request(q, 1, sent);
    r.answer();
    await r.answered;
    expect(sent).toEqual([1]);
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });

  it('still sends a request held behind the in-flight limit when the one in flight is answered', async () => {
    const q = queue(1);
    const sent: number[] = [];
    const first = request(q, 1, sent);
    const second = request(q, 2, sent);
    expect(sent).toEqual([1]);
    expect(q.pending).toHaveLength(1);
    first.answer();
    expect(sent).toEqual([1, 2]);
    second.answer();
    await Promise.all([first.answered, second.answered]);
    // The 10 ms check scheduled while a request was pending fires once, finds nothing, and sets no other.
    await vi.waitFor(() => expect(q.throttleCheckTimeoutId).toBeNull());
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });

  it('sends a request held by a throttle once the throttle ends, then stops checking', async () => {
    const q = queue(10);
    const sent: number[] = [];
    q.maybeThrottle(30);
    const r = request(q, 7, sent);
    expect(sent).toEqual([]);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    await vi.waitFor(() => expect(sent.length).toBeGreaterThan(0));
    expect(sent).toEqual([7]);
    r.answer();
    await r.answered;
    expect(q.throttleCheckTimeoutId).toBeNull();
    q.destroy();
  });

  it('is installed once however often the module is evaluated (vitest evaluates it per test file)', async () => {
    const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as {
      prototype: { scheduleCheckPendingRequests: unknown };
    };
    const installed = RequestQueue.prototype.scheduleCheckPendingRequests;
    vi.resetModules();
    await import('./kafkajs-request-queue.ts');
    expect(RequestQueue.prototype.scheduleCheckPendingRequests).toBe(installed);
  });

  it('waits for the throttle, else 10 ms with requests pending, and not at all with none', () => {
    expect(nextCheckDelayMs(2, 25)).toBe(25);
    expect(nextCheckDelayMs(2, -1000)).toBe(10);
    expect(nextCheckDelayMs(0, 25)).toBe(25);
    expect(nextCheckDelayMs(0, -1000)).toBeUndefined();
    expect(nextCheckDelayMs(0, 0)).toBeUndefined();
  });
});
