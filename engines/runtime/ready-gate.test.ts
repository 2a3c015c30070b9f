import { describe, expect, it } from 'vitest';
import { readyGate } from './ready-gate.ts';

describe("the Storm adapters' ready gate", () => {
  it('opens every wait, before and after, and a later failure changes nothing', async () => {
    const gate = readyGate(1000, () => new Error('timeout'));
    const early = gate.wait();
    gate.open();
    gate.fail(new Error('too late'));
    await expect(early).resolves.toBeUndefined();
    await expect(gate.wait()).resolves.toBeUndefined();
  });

  it('a failure rejects every wait; a wait that outlives its time gets the timeout error', async () => {
    const failed = readyGate(1000, () => new Error('timeout'));
    const early = failed.wait();
    failed.fail(new Error('the JVM exited'));
    await expect(early).rejects.toThrow('the JVM exited');
    await expect(failed.wait()).rejects.toThrow('the JVM exited');
    await expect(readyGate(10, () => new Error('timeout')).wait()).rejects.toThrow('timeout');
  });
});
