import { describe, expect, it } from 'vitest';
import { WindowAligner, type WindowedOperator } from './aligner.ts';

/** An operator that logs its calls; `slowEnd` makes endWindow take a few turns of the event loop. */
function recorder(slowEnd = false) {
  const log: string[] = [];
  let busy = false;
  const enter = () => {
    if (busy) throw new Error('operator calls overlapped');
    busy = true;
  };
  const op: WindowedOperator<string> = {
    beginWindow(w) {
      enter();
      log.push(`begin ${w}`);
      busy = false;
    },
    process(port, records) {
      enter();
      log.push(`p${port} ${records.join(',')}`);
      busy = false;
    },
    async endWindow(w, marker) {
      enter();
      if (slowEnd) for (let k = 0; k < 3; k++) await new Promise((r) => setImmediate(r));
      log.push(`end ${w}${marker ? ' checkpoint' : ''}`);
      busy = false;
    },
  };
  return { log, op };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('WindowAligner', () => {
  it('stops reading a port that delivered END_WINDOW(w) until every port did', async () => {
    const { log, op } = recorder();
    const a = new WindowAligner(2, op);
    await a.deliver(0, { type: 'begin', w: 1 });
    await a.deliver(1, { type: 'begin', w: 1 });
    await a.deliver(0, { type: 'records', w: 1, records: ['a'] });
    let port0Released = false;
    const port0End = a.deliver(0, { type: 'end', w: 1, checkpoint: false }).then(() => {
      port0Released = true;
    });
    await tick();
    expect(port0Released).toBe(false);
    expect(a.isBlocked(0)).toBe(true);
    // Port 1 is still read while port 0 waits.
    await a.deliver(1, { type: 'records', w: 1, records: ['b', 'c'] });
    expect(port0Released).toBe(false);
    await a.deliver(1, { type: 'end', w: 1, checkpoint: true });
    await port0End;
    expect(port0Released).toBe(true);
    expect(log).toEqual(['begin 1', 'p0 a', 'p1 b,c', 'end 1 checkpoint']);
    expect(a.lastEndedWindow()).toBe(1);
    expect(a.currentWindow()).toBeUndefined();
  });

  it('calls beginWindow once per window, on the first BEGIN_WINDOW, and ports go on only after endWindow', async () => {
    const { log, op } = recorder(true);
    const a = new WindowAligner(3, op);
    const port = async (k: number, windows: number[]) => {
      for (const w of windows) {
        await a.deliver(k, { type: 'begin', w });
        await a.deliver(k, { type: 'records', w, records: [`${k}.${w}`] });
        await tick();
        await a.deliver(k, { type: 'end', w, checkpoint: w % 2 === 1 });
      }
    };
    await Promise.all([port(0, [0, 1, 2, 3]), port(1, [0, 1, 2, 3]), port(2, [0, 1, 2, 3])]);
    // Per window: one begin, the three ports' records in any order, one end; nothing of w+1 before end w.
    expect(log).toHaveLength(4 * 5);
    for (let w = 0; w < 4; w++) {
      const win = log.slice(w * 5, w * 5 + 5);
      expect(win[0]).toBe(`begin ${w}`);
      expect(win.slice(1, 4).sort()).toEqual([`p0 0.${w}`, `p1 1.${w}`, `p2 2.${w}`]);
      expect(win[4]).toBe(`end ${w}${w % 2 === 1 ? ' checkpoint' : ''}`);
    }
  });

  it('a port that moves past the current window counts as having ended it', async () => {
    const { log, op } = recorder();
    const skipped: string[] = [];
    const a = new WindowAligner(2, op, (port, w, current) => skipped.push(`${port}:${w}@${current}`));
    await a.deliver(0, { type: 'begin', w: 7 });
    await a.deliver(0, { type: 'records', w: 7, records: ['x'] });
    const lateStarter = a.deliver(1, { type: 'begin', w: 8 });
    await a.deliver(0, { type: 'end', w: 7, checkpoint: false });
    await lateStarter;
    expect(log).toEqual(['begin 7', 'p0 x', 'end 7', 'begin 8']);
    expect(skipped).toEqual(['1:8@7']);
  });

  it('skips a window older than the current one on a port (AT_MOST_ONCE fast-forward)', async () => {
    const { log, op } = recorder();
    const a = new WindowAligner(2, op);
    await a.deliver(0, { type: 'begin', w: 10 });
    await a.deliver(1, { type: 'begin', w: 9 });
    await a.deliver(1, { type: 'records', w: 9, records: ['old'] });
    await a.deliver(1, { type: 'end', w: 9, checkpoint: false });
    await a.deliver(1, { type: 'begin', w: 10 });
    await a.deliver(1, { type: 'records', w: 10, records: ['new'] });
    const end0 = a.deliver(0, { type: 'end', w: 10, checkpoint: false });
    await a.deliver(1, { type: 'end', w: 10, checkpoint: false });
    await end0;
    // A window both ports finished is never begun again.
    await a.deliver(0, { type: 'begin', w: 10 });
    await a.deliver(0, { type: 'records', w: 10, records: ['replayed'] });
    await a.deliver(0, { type: 'end', w: 10, checkpoint: false });
    expect(log).toEqual(['begin 10', 'p1 new', 'end 10']);
  });

  it('a single-port operator ends each window at its END_WINDOW', async () => {
    const { log, op } = recorder();
    const a = new WindowAligner(1, op);
    for (const w of [3, 4]) {
      await a.deliver(0, { type: 'begin', w });
      await a.deliver(0, { type: 'end', w, checkpoint: false });
    }
    expect(log).toEqual(['begin 3', 'end 3', 'begin 4', 'end 4']);
  });
});
