/**
 * One JVM engine module's build into the cache (storm's topology, flink's job, kafka-streams' app): its Maven
 * module and the shared workloads module in one reactor (reactor.ts), `package` plus the runtime jars copied to
 * `libs/`, into `<cache>/<prefix><hash>/`. Keyed by the engine's hash of both modules' sources, so an edit
 * rebuilds; idempotent (a `.complete` marker written last, the build staged in `<home>.partial` and renamed);
 * a build that did not produce what the engine needs is an error naming what is missing.
 */
import { existsSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir, requireJava, requireMaven, run } from '../../clients/host-tools.ts';
import { ServiceFailedError } from '../../core/errors.ts';
import { type ProgressSink, timed } from '../../core/progress.ts';
import { stageWithWorkloads } from './reactor.ts';

/**
 * Builds of one engine kept in the cache, newest first: the current one and a few before it, so that two
 * checkouts at different versions (git worktrees) do not delete the build the other one is running.
 */
const KEPT_BUILDS = 3;

export interface JvmModuleBuild {
  /** The service named in errors: 'storm', 'flink', 'kafka-streams'. */
  system: string;
  /** The engine's Maven module folder. */
  module: string;
  /** Cache folder prefix, with the system's version: `storm-2.8.0-`. */
  prefix: string;
  /** The engine's hash of its module and the shared one. */
  hash: string;
  /** The progress line while Maven runs. */
  building: string;
  /** Paths relative to the build that must exist after it (the system's main jar, the engine's classes). */
  expect: readonly string[];
  /** A step after Maven, in the staging folder (storm's topology jar). */
  after?: (staging: string, java: string) => Promise<void>;
}

/** The JVM and the build's folder: the engine's program is made from these. */
export interface JvmBuilt {
  java: string;
  home: string;
  /** The module's classes and every runtime jar. */
  classpath: string;
}

const builtIn = (java: string, home: string): JvmBuilt => ({
  java,
  home,
  classpath: `${join(home, 'target', 'classes')}:${join(home, 'libs', '*')}`,
});

export async function buildJvmModule(build: JvmModuleBuild, progress: ProgressSink): Promise<JvmBuilt> {
  const java = requireJava();
  const mvn = requireMaven();
  const name = `${build.prefix}${build.hash}`;
  const home = join(cacheDir(), name);
  if (existsSync(join(home, '.complete'))) return builtIn(java, home);

  const staging = `${home}.partial`;
  rmSync(staging, { recursive: true, force: true });
  const reactor = stageWithWorkloads(build.module, staging);
  await timed(progress, build.building, () =>
    run(
      mvn,
      [
        ...reactor,
        '-B',
        '-q',
        'package',
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        '-DoutputDirectory=libs',
      ],
      { cwd: staging },
    ),
  );
  await build.after?.(staging, java);
  const missing = build.expect.filter((p) => !existsSync(join(staging, p)));
  if (missing.length > 0) {
    throw new ServiceFailedError(
      build.system,
      `Maven finished but ${staging} holds no ${missing.join(', ')}`,
    );
  }
  writeFileSync(join(staging, '.complete'), new Date().toISOString());
  rmSync(home, { recursive: true, force: true });
  renameSync(staging, home);
  removeOlderBuilds(build.prefix);
  return builtIn(java, home);
}

/** Keeps the newest KEPT_BUILDS complete builds of a prefix and removes older ones (a staging may be another build's). */
function removeOlderBuilds(prefix: string): void {
  const entries = readdirSync(cacheDir()).filter((e) => e.startsWith(prefix));
  const completed = (e: string) => {
    try {
      return statSync(join(cacheDir(), e, '.complete')).mtimeMs;
    } catch {
      return -1;
    }
  };
  const complete = entries.filter((e) => completed(e) >= 0).sort((a, b) => completed(b) - completed(a));
  for (const e of complete.slice(KEPT_BUILDS)) rmSync(join(cacheDir(), e), { recursive: true, force: true });
}
