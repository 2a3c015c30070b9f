/**
 * A worker thread running a TypeScript module of this repository. Node 20 does not apply a `--import` loader
 * given in a worker's `execArgv` to the worker's entry, so the worker starts from a line of JavaScript that
 * registers tsx's ESM hooks (resolved from faultline's own dependencies) and then imports the entry. It works
 * the same under the CLI (tsx) and under vitest.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** tsx's ESM API (`tsx/esm/api`, its `import` condition): require.resolve would give the CommonJS one. */
function tsxEsmApi(): string {
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import?: string | { default?: string } }>;
  };
  const entry = pkg.exports['./esm/api']?.import;
  const file = typeof entry === 'string' ? entry : entry?.default;
  if (!file) throw new Error(`tsx ${pkgPath} exports no ESM "./esm/api"`);
  return pathToFileURL(join(dirname(pkgPath), file)).href;
}

/** The `eval` code of a worker thread that runs the TypeScript module at `entry`. */
export function tsWorkerCode(entry: URL): string {
  return `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
}
