import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, sourceTreeHash } from '../../clients/host-tools.ts';
import { noProgress, type ProgressSink } from '../../core/progress.ts';
import { buildJvmModule } from '../jvm-workloads/build.ts';
import { jvmWorkloadsHash } from '../jvm-workloads/reactor.ts';

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
  const built = await buildJvmModule(
    {
      system: 'storm',
      module: MODULE,
      prefix: `storm-${STORM_VERSION}-`,
      hash: stormModuleHash(),
      building: `Building the Storm ${STORM_VERSION} topology (Maven)`,
      expect: [`libs/storm-client-${STORM_VERSION}.jar`, `target/${TOPOLOGY_JAR}`],
      // The JDK's jar tool, beside the java that runs it (javac came from the same JDK through Maven).
      after: (staging, java) =>
        run(join(dirname(realpathSync(java)), 'jar'), [
          'cf',
          join(staging, 'target', TOPOLOGY_JAR),
          '-C',
          join(staging, 'target', 'classes'),
          '.',
        ]),
    },
    progress,
  );
  return { ...built, libs: join(built.home, 'libs'), topologyJar: join(built.home, 'target', TOPOLOGY_JAR) };
}
