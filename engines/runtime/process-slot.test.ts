import { describe, expect, it } from 'vitest';
import type { NewEngineEvent } from '../../core/types.ts';
import { type ProcessSlot, stopSlots } from './process-slot.ts';
import { startLocalProcess } from './processes.ts';

/** A real process that ignores SIGTERM (a JVM whose shutdown hook hangs) or exits on it. */
const start = (id: string, ignoreTerm: boolean): ProcessSlot => {
  const script = `${ignoreTerm ? "process.on('SIGTERM', () => {});" : ''} setInterval(() => {}, 1000);`;
  const child = startLocalProcess({
    id,
    attempt: 0,
    command: [process.execPath, '-e', script],
    cwd: '.',
    paths: [],
  });
  return { id, attempt: 0, child, alive: true };
};

describe('process slots', () => {
  it('stop: a paused process is resumed, SIGTERM ends it, SIGKILL one that ignores it; restarts are cancelled', async () => {
    const polite = start('tm0', false);
    const stubborn = start('tm1', true);
    const idle: ProcessSlot = { id: 'tm2', attempt: -1, alive: false };
    await new Promise((r) => setTimeout(r, 300)); // both have set their handlers
    polite.child!.signal('SIGSTOP');
    let restarted = false;
    stubborn.restartTimer = setTimeout(() => {
      restarted = true;
    }, 50);
    const events: NewEngineEvent[] = [];
    await stopSlots([polite, stubborn, idle], 400, (e) => events.push(e));
    expect(await polite.child!.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(await stubborn.child!.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect([polite.alive, stubborn.alive]).toEqual([false, false]);
    await new Promise((r) => setTimeout(r, 100));
    expect(restarted).toBe(false);
    expect(events).toEqual([
      { type: 'worker.stopped', worker: 'tm0', attempt: 0 },
      { type: 'worker.stopped', worker: 'tm1', attempt: 0 },
      { type: 'worker.stopped', worker: 'tm2', attempt: -1 },
    ]);
  });
});
