/**
 * Builds faultline's Storm topology (engines/storm/java, a Maven module) into the cache, once per version of
 * its sources: `<cache>/storm-<hash of pom.xml and every .java>/` holds a copy of the module, its compiled
 * classes and its runtime jars (Storm 2.8.0, storm-kafka-client, kafka-clients 3.9.1, Jedis, Jackson: about
 * 60 jars, 140 MB from Maven Central on the first build). A second call finds the `.complete` marker and
 * returns at once; an edited source gets a new folder and the old ones are removed.
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, run, which } from '../../clients/host-tools.ts';
import { MissingToolError, ServiceFailedError } from '../../core/errors.ts';
import { noProgress, type ProgressSink, timed } from '../../core/progress.ts';

export const STORM_VERSION = '2.8.0';
export const STORM_MAIN_CLASS = 'dev.faultline.storm.FaultlineTopology';
/** Runs a Storm daemon's main with an orphan guard (Daemon.java). */
export const STORM_DAEMON_CLASS = 'dev.faultline.storm.Daemon';
const TOPOLOGY_JAR = 'faultline-storm-topology.jar';
const MODULE = fileURLToPath(new URL('./java/', import.meta.url));

/** How the module is built; part of the cache key, so a change of recipe rebuilds. */
const RECIPE = 'compile, runtime jars, topology jar v2';

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

/** The files that make the module, in a stable order (what the cache key is computed from). */
function moduleFiles(dir = MODULE): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'target') out.push(...moduleFiles(path));
    } else if (entry.name === 'pom.xml' || entry.name.endsWith('.java')) out.push(path);
  }
  return out;
}

export function stormModuleHash(): string {
  const h = createHash('sha256').update(RECIPE).update('\0');
  for (const file of moduleFiles()) h.update(relative(MODULE, file)).update('\0').update(readFileSync(file));
  return h.digest('hex').slice(0, 12);
}

export async function ensureStormTopology(progress: ProgressSink = noProgress): Promise<StormProgram> {
  const java = which('java');
  const mvn = which('mvn');
  if (!java) {
    throw new MissingToolError(
      'java (JDK 17+)',
      'install a JDK: sudo apt-get install -y openjdk-17-jdk-headless',
    );
  }
  if (!mvn) throw new MissingToolError('mvn (Maven)', 'install Maven: sudo apt-get install -y maven');
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
  cpSync(MODULE, staging, { recursive: true, filter: (src) => !src.includes('/target') });
  await timed(progress, `Building the Storm ${STORM_VERSION} topology (Maven)`, () =>
    run(
      mvn,
      [
        '-B',
        '-q',
        'compile',
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
