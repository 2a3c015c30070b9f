import { describe, expect, it } from 'vitest';
import { ReceiveQueue } from './receive-queue.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('an executor receive queue', () => {
  it('handles frames one at a time, in arrival order, without making the sender wait', async () => {
    const errors: unknown[] = [];
    const q = new ReceiveQueue(100, (e) => errors.push(e));
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let senderWaited = false;
    const first = q.push(1, async () => {
      order.push('a start');
      await gate;
      order.push('a end');
    });
    const second = q.push(1, () => {
      order.push('b');
    });
    await Promise.all([first, second]).then(() => {
      senderWaited = order.includes('a end');
    });
    expect(senderWaited).toBe(false);
    expect(q.queued()).toBe(2);
    await tick();
    expect(order).toEqual(['a start']);
    release();
    await q.drained();
    expect(order).toEqual(['a start', 'a end', 'b']);
    expect(q.queued()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('over capacity the sender waits until its own frame was handled', async () => {
    const q = new ReceiveQueue(3, () => {});
    let handled = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    await q.push(2, async () => {
      await gate;
      handled += 2;
    });
    let waited = false;
    const over = q.push(2, () => {
      handled += 2;
    });
    void over.then(() => {
      waited = true;
    });
    await tick();
    expect(waited).toBe(false);
    release();
    await over;
    expect(handled).toBe(4);
  });

  it('a handler that throws is reported and the next frame still runs', async () => {
    const errors: string[] = [];
    const q = new ReceiveQueue(10, (e) => errors.push((e as Error).message));
    let ran = false;
    void q.push(1, () => {
      throw new Error('bad frame');
    });
    void q.push(1, () => {
      ran = true;
    });
    await q.drained();
    expect(errors).toEqual(['bad frame']);
    expect(ran).toBe(true);
  });
});
