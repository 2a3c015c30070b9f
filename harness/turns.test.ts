import { describe, expect, it } from 'vitest';
import { Turns } from './turns.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('turns', () => {
  it('three parties that each want the slot over and over get it in rotation, one at a time', async () => {
    const turns = new Turns(3);
    const order: number[] = [];
    let inside = 0;
    let most = 0;
    const party = async (p: number, times: number) => {
      for (let i = 0; i < times; i++)
        await turns.run(p, async () => {
          inside++;
          most = Math.max(most, inside);
          order.push(p);
          await tick();
          inside--;
        });
    };
    await Promise.all([party(0, 3), party(1, 3), party(2, 2)]);
    expect(most).toBe(1);
    expect(order).toEqual([0, 1, 2, 0, 1, 2, 0, 1]);
  });

  it('a party that is not waiting is skipped, and the slot is free again once everybody is done', async () => {
    const turns = new Turns(2);
    const order: string[] = [];
    await turns.run(1, async () => {
      order.push('1');
    });
    await turns.run(1, async () => {
      order.push('1 again');
    });
    await turns.run(0, async () => {
      order.push('0');
    });
    expect(order).toEqual(['1', '1 again', '0']);
  });

  it('a failing turn passes the slot on and rejects for its party only', async () => {
    const turns = new Turns(2);
    const failed = turns.run(0, async () => {
      await tick();
      throw new Error('run failed');
    });
    const next = turns.run(1, async () => 'ran');
    await expect(failed).rejects.toThrow('run failed');
    await expect(next).resolves.toBe('ran');
  });

  it('refuses a party it does not know, or one already waiting', async () => {
    const turns = new Turns(2);
    await expect(turns.run(2, async () => {})).rejects.toThrow(RangeError);
    let release!: () => void;
    const held = turns.run(0, () => new Promise<void>((r) => (release = r)));
    const waiting = turns.run(1, async () => {});
    await expect(turns.run(1, async () => {})).rejects.toThrow(/already waiting/);
    release();
    await Promise.all([held, waiting]);
  });
});
