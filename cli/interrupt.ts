/**
 * Ctrl-C (SIGINT) or SIGTERM during a run, a matrix or a soak: the first one aborts the work gracefully (the
 * load stops, faults are healed, what was measured is analysed and kept in a summary.json marked interrupted,
 * every resource is cleaned up); a second one exits at once (the next start sweeps what is left).
 *
 * A repeat within REPEAT_GRACE_MS is the same Ctrl-C: under `npx`, the terminal signals the whole foreground
 * process group and npm's signal manager forwards the same signal to its child once more, so one keypress
 * arrives twice. Counting that as "again" exited at once and left no summary.
 */
export const REPEAT_GRACE_MS = 1500;

export interface InterruptHandler {
  signal: AbortSignal;
  handle(sig: NodeJS.Signals): void;
}

export function createInterruptHandler(
  deps: { now?: () => number; exit?: (code: number) => void; write?: (text: string) => void } = {},
): InterruptHandler {
  const now = deps.now ?? Date.now;
  const exit = deps.exit ?? ((code: number) => process.exit(code));
  const write = deps.write ?? ((text: string) => process.stderr.write(text));
  const controller = new AbortController();
  let firstAt = 0;
  return {
    signal: controller.signal,
    handle(sig) {
      if (controller.signal.aborted) {
        if (now() - firstAt < REPEAT_GRACE_MS) return;
        write(`\n${sig} again: exiting now; the next faultline start sweeps what is left\n`);
        exit(130);
        return;
      }
      firstAt = now();
      write(`\n${sig}: stopping the load, healing faults, keeping what was measured (again to exit now)\n`);
      controller.abort(new Error(sig));
    },
  };
}

export function onInterrupt(): Disposable & { signal: AbortSignal } {
  const interrupt = createInterruptHandler();
  const handler = (sig: NodeJS.Signals) => interrupt.handle(sig);
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: interrupt.signal,
    [Symbol.dispose]() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
