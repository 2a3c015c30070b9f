import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOutbox, unbatch } from './outbox.ts';
import type { ControlMessage } from './worker-host.ts';

const ack = (n: number): ControlMessage => ({ type: 'ack', n });

describe('the control outbox', () => {
  afterEach(() => vi.useRealTimers());

  it('sends what a turn queued, one frame per peer, at the end of the turn', async () => {
    const sent: [string, ControlMessage][] = [];
    const outbox = createOutbox((peer, m) => sent.push([peer, m]));
    outbox.push('a', ack(1));
    outbox.push('b', ack(2));
    outbox.push('a', ack(3));
    expect(sent).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([
      ['a', { type: 'batch', items: [ack(1), ack(3)] }],
      ['b', ack(2)],
    ]);
    expect(unbatch(sent[0]![1])).toEqual([ack(1), ack(3)]);
    expect(unbatch(sent[1]![1])).toEqual([ack(2)]);
  });

  it("batching (Storm's producer batch size): a full peer goes at once, the rest at the flush interval", () => {
    vi.useFakeTimers();
    const sent: [string, ControlMessage][] = [];
    const outbox = createOutbox((peer, m) => sent.push([peer, m]), { maxItems: 3, flushMs: 5 });
    for (const n of [1, 2, 3]) outbox.push('a', ack(n));
    outbox.push('b', ack(4));
    outbox.push('a', ack(5));
    expect(sent).toEqual([['a', { type: 'batch', items: [ack(1), ack(2), ack(3)] }]]);
    vi.advanceTimersByTime(4);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sent.slice(1)).toEqual([
      ['b', ack(4)],
      ['a', ack(5)],
    ]);
    // Nothing queued: no flush scheduled, nothing sent.
    vi.advanceTimersByTime(50);
    expect(sent).toHaveLength(3);
    // An explicit flush sends at once and cancels the timer.
    outbox.push('c', ack(6));
    outbox.flush();
    vi.advanceTimersByTime(50);
    expect(sent.slice(3)).toEqual([['c', ack(6)]]);
  });
});
