/**
 * Renders progress events on stderr: one line per step, with elapsed seconds, so stdout stays clean for
 * `--json` output. In a terminal a ticking step rewrites its own line; in CI every tick is a new line.
 */
import type { ProgressEvent, ProgressSink } from '../core/index.ts';

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): ProgressSink {
  const tty = stream.isTTY === true;
  return (e: ProgressEvent) => {
    const secs = e.elapsedMs === undefined ? '' : ` (${(e.elapsedMs / 1000).toFixed(1)} s)`;
    switch (e.state) {
      case 'start':
        stream.write(`• ${e.message}…\n`);
        break;
      case 'tick':
        if (tty) stream.write(`\x1b[1A\x1b[2K• ${e.message}…${secs}\n`);
        else stream.write(`  … ${e.message}${secs}\n`);
        break;
      case 'done':
        stream.write(`${tty ? '\x1b[1A\x1b[2K' : ''}✓ ${e.message}${secs}\n`);
        break;
      case 'fail':
        stream.write(`✗ ${e.message}${secs}\n`);
        break;
      case 'info':
        stream.write(`  ${e.message}\n`);
        break;
    }
  };
}
