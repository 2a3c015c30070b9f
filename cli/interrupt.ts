/**
 * Ctrl-C (SIGINT) or SIGTERM during a run or a matrix: the first one aborts the work gracefully (the load stops,
 * faults are healed, what was measured is analysed and kept, every resource is cleaned up); a second one
 * exits at once (the next start sweeps what is left).
 */
export function onInterrupt(): Disposable & { signal: AbortSignal } {
  const controller = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\n${sig} again: exiting now; the next faultline start sweeps what is left\n`);
      process.exit(130);
    }
    process.stderr.write(
      `\n${sig}: stopping the load, healing faults, keeping what was measured (again to exit now)\n`,
    );
    controller.abort(new Error(sig));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    [Symbol.dispose]() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
