/**
 * Prints one plain closing line, "N passed, N failed" (", N skipped" when any), that any CI reader can parse,
 * after vitest's own summary, with the names of suites skipped as a whole (their names say why).
 */
import { relative } from 'node:path';
import type { Reporter } from 'vitest/reporters';

/** The one command that installs what skipped suites need (Docker, docker-compose, Chromium, ...). */
const INSTALL_HINT = 'to run them: sudo bash scripts/install-system-deps.sh, then npm test again';

type Task = {
  type: string;
  name?: string;
  filepath?: string;
  mode?: string;
  result?: { state?: string; duration?: number };
  tasks?: Task[];
};

export default class PlainSummaryReporter implements Reporter {
  onFinished(files: Task[] = [], errors: unknown[] = []): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const skippedSuites: string[] = [];
    const visit = (t: Task) => {
      // A whole suite skipped on purpose says why in its name (e.g. no Docker engine here).
      if (t.type === 'suite' && !t.filepath && t.mode === 'skip' && t.name) skippedSuites.push(t.name);
      if (t.type === 'test') {
        const state = t.result?.state;
        if (state === 'pass') passed++;
        else if (state === 'fail') failed++;
        else skipped++;
      }
      for (const c of t.tasks ?? []) visit(c);
    };
    for (const f of files) {
      visit(f);
      // A file that failed to load has no tests but must not read as green.
      if (f.result?.state === 'fail' && !(f.tasks ?? []).length) failed++;
    }
    failed += errors.length;
    // Where CI's time goes (its budget is 30 minutes): the slowest files, in one line a CI log keeps.
    const seconds = (f: Task) => (f.result?.duration ?? 0) / 1000;
    const slowest = files
      .filter((f) => seconds(f) >= 1)
      .sort((a, b) => seconds(b) - seconds(a))
      .slice(0, 12)
      .map((f) => `${relative(process.cwd(), f.filepath ?? '?')} ${Math.round(seconds(f))} s`);
    if (slowest.length > 0) process.stdout.write(`\nslowest files: ${slowest.join(', ')}`);
    for (const name of skippedSuites) process.stdout.write(`\nskipped: ${name}`);
    if (skippedSuites.length > 0) process.stdout.write(`\n${INSTALL_HINT}`);
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
