import { describe, expect, it } from 'vitest';
import { createInterruptHandler, REPEAT_GRACE_MS } from './interrupt.ts';

describe('interrupt handling', () => {
  const setup = () => {
    let t = 1000;
    const exits: number[] = [];
    const h = createInterruptHandler({ now: () => t, exit: (c) => exits.push(c), write: () => {} });
    return { h, exits, advance: (ms: number) => (t += ms) };
  };

  it('the first signal aborts; the copy npm relays right after it does not exit', () => {
    const { h, exits, advance } = setup();
    h.handle('SIGINT');
    expect(h.signal.aborted).toBe(true);
    advance(5);
    h.handle('SIGINT');
    expect(exits).toEqual([]);
  });

  it('a second Ctrl-C after the grace exits at once with 130', () => {
    const { h, exits, advance } = setup();
    h.handle('SIGTERM');
    advance(REPEAT_GRACE_MS + 1);
    h.handle('SIGINT');
    expect(exits).toEqual([130]);
  });
});
