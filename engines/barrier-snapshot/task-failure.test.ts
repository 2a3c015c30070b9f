import { describe, expect, it, vi } from 'vitest';
import { failingTaskOnError } from './task-failure.ts';

describe('a task whose handling goes wrong fails (task-failure.ts)', () => {
  it('fails the task on an exception during a restore, a snapshot or a commit', async () => {
    for (const what of ['restore', 'trigger', 'notify'] as const) {
      const failTask = vi.fn();
      await failingTaskOnError(
        what,
        async () => Promise.reject(new Error('Closed connection')),
        failTask,
        1000,
      );
      expect(failTask).toHaveBeenCalledExactlyOnceWith(`${what} failed: Closed connection`);
    }
  });

  it('fails the task when a restore does not finish in time, and not when it does', async () => {
    vi.useFakeTimers();
    try {
      const failTask = vi.fn();
      const hung = failingTaskOnError('restore', () => new Promise<void>(() => {}), failTask, 60_000);
      await vi.advanceTimersByTimeAsync(59_999);
      expect(failTask).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      expect(failTask).toHaveBeenCalledExactlyOnceWith('restore not finished after 60000 ms');
      void hung;

      const ok = vi.fn();
      await failingTaskOnError('restore', async () => {}, ok, 60_000);
      await vi.advanceTimersByTimeAsync(120_000);
      expect(ok).not.toHaveBeenCalled();
    } finally {
      vi.useRealTimers();
    }
  });
});
