import { existsSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, requireJava, requireMaven, run, sourceTreeHash } from '../../clients/host-tools.ts';
import { ServiceFailedError } from '../../core/errors.ts';
import { noProgress, type ProgressSink, timed } from '../../core/progress.ts';
import { jvmWorkloadsHash, stageWithWorkloads } from '../jvm-workloads/reactor.ts';

export const STORM_VERSION = '2.8.0';
export const STORM_MAIN_CLASS = 'dev.faultline.storm.FaultlineTopology';
/** Runs a Storm daemon's main with an orphan guard (Daemon.java). */
export const STORM_DAEMON_CLASS = 'dev.faultline.storm.Daemon';
const TOPOLOGY_JAR = 'faultline-storm-topology.jar';
const MODULE = fileURLToPath(new URL('./java/', import.meta.url));

/** How the module is built; part of the cache key, so a change of recipe rebuilds. */
const RECIPE = 'package with jvm-workloads, runtime jars, topology jar v3';

/** The built topology: `java -cp <classpath> <mainClass> <config.json>`. */
export interface StormProgram {
  java: string;
  classpath: string;
  home: string;
  /** The runtime jars (a cluster's `lib-worker/`). */
  libs: string;
  /** The module's classes alone, the jar a cluster's nimbus is given (StormSubmitter's `storm.jar`). */
  topologyJar: string;
}

export function stormModuleHash(): string {
  return sourceTreeHash(
    MODULE,
    (name) => name === 'pom.xml' || name.endsWith('.java'),
    `${RECIPE} ${jvmWorkloadsHash()}`,
  );
}

export async function ensureStormTopology(progress: ProgressSink = noProgress): Promise<StormProgram> {
  const java = requireJava();
  const mvn = requireMaven();
  const name = `storm-${STORM_VERSION}-${stormModuleHash()}`;
  const home = join(cacheDir(), name);
  const program: StormProgram = {
    java,
    classpath: `${join(home, 'target', 'classes')}:${join(home, 'libs', '*')}`,
    home,
    libs: join(home, 'libs'),
    topologyJar: join(home, 'target', TOPOLOGY_JAR),
  };
  if (existsSync(join(home, '.complete'))) return program;

  const staging = `${home}.partial`;
  rmSync(staging, { recursive: true, force: true });
  const reactor = stageWithWorkloads(MODULE, staging);
  await timed(progress, `Building the Storm ${STORM_VERSION} topology (Maven)`, () =>
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
      {
        cwd: staging,
      },
    ),
  );
  // The JDK's jar tool, beside the java that runs it (javac came from the same JDK through Maven).
  await run(join(dirname(realpathSync(java)), 'jar'), [
    'cf',
    join(staging, 'target', TOPOLOGY_JAR),
    '-C',
    join(staging, 'target', 'classes'),
    '.',
  ]);
  if (!existsSync(join(staging, 'libs', `storm-client-${STORM_VERSION}.jar`))) {
    throw new ServiceFailedError('storm', `Maven finished but ${staging}/libs holds no storm-client jar`);
  }
  writeFileSync(join(staging, '.complete'), new Date().toISOString());
  rmSync(home, { recursive: true, force: true });
  renameSync(staging, home);
  // Older builds of the module are of no further use.
  for (const entry of readdirSync(cacheDir())) {
    if (entry.startsWith(`storm-${STORM_VERSION}-`) && entry !== name) {
      rmSync(join(cacheDir(), entry), { recursive: true, force: true });
    }
  }
  return program;
}
