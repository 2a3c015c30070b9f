/**
 * Builds faultline's Flink job and the classpath of a standalone Flink cluster (engines/flink/java, a Maven
 * module) into the cache, once per version of its sources: `<cache>/flink-<version>-<hash of pom.xml, every
 * .java and resource>/` holds a copy of the module, the job jar (target/faultline-flink-1.jar, uploaded to the
 * JobManager over REST), its compiled classes (the process launcher) and the cluster's runtime jars (Flink
 * 1.20.3 without flink-dist, flink-connector-kafka, kafka-clients, log4j 2: about 60 jars, 90 MB from Maven
 * Central on the first build). A second call finds the `.complete` marker and returns at once; an edited source
 * gets a new folder and the old ones are removed.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, run, which } from '../../clients/host-tools.ts';
import { MissingToolError, ServiceFailedError } from '../../core/errors.ts';
import { noProgress, type ProgressSink, timed } from '../../core/progress.ts';

export const FLINK_VERSION = '1.20.3';
const MODULE = fileURLToPath(new URL('./java/', import.meta.url));

/** The built module: the JVM, the cluster's classpath and the job jar. */
export interface FlinkProgram {
  java: string;
  /** libs/* and the module's classes (the launcher, FeatureCheck). */
  classpath: string;
  jobJar: string;
  /** log4j 2 configuration every Flink process uses (stdout). */
  logConfig: string;
  home: string;
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
    } else if (entry.name !== '.gitignore') out.push(path);
  }
  return out;
}

export function flinkModuleHash(): string {
  const h = createHash('sha256');
  for (const file of moduleFiles()) h.update(relative(MODULE, file)).update('\0').update(readFileSync(file));
  return h.digest('hex').slice(0, 12);
}

function programIn(java: string, home: string): FlinkProgram {
  return {
    java,
    classpath: `${join(home, 'target', 'classes')}:${join(home, 'libs', '*')}`,
    jobJar: join(home, 'target', 'faultline-flink-1.jar'),
    logConfig: join(home, 'target', 'classes', 'log4j2-faultline.properties'),
    home,
  };
}

export async function ensureFlinkJob(progress: ProgressSink = noProgress): Promise<FlinkProgram> {
  const java = which('java');
  const mvn = which('mvn');
  if (!java) {
    throw new MissingToolError(
      'java (JDK 17+)',
      'install a JDK: sudo apt-get install -y openjdk-17-jdk-headless',
    );
  }
  if (!mvn) throw new MissingToolError('mvn (Maven)', 'install Maven: sudo apt-get install -y maven');
  const name = `flink-${FLINK_VERSION}-${flinkModuleHash()}`;
  const home = join(cacheDir(), name);
  if (existsSync(join(home, '.complete'))) return programIn(java, home);

  const staging = `${home}.partial`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(MODULE, staging, { recursive: true, filter: (src) => !src.includes('/target') });
  await timed(
    progress,
    `Building the Flink ${FLINK_VERSION} job and cluster classpath (Maven; ~90 MB of jars the first time)`,
    () =>
      run(
        mvn,
        [
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
  const built = programIn(java, staging);
  if (!existsSync(join(staging, 'libs', `flink-runtime-${FLINK_VERSION}.jar`)) || !existsSync(built.jobJar)) {
    throw new ServiceFailedError(
      'flink',
      `Maven finished but ${staging} holds no flink-runtime jar or job jar`,
    );
  }
  writeFileSync(join(staging, '.complete'), new Date().toISOString());
  rmSync(home, { recursive: true, force: true });
  renameSync(staging, home);
  // Older builds of the module are of no further use.
  for (const entry of readdirSync(cacheDir())) {
    if (entry.startsWith(`flink-${FLINK_VERSION}-`) && entry !== name) {
      rmSync(join(cacheDir(), entry), { recursive: true, force: true });
    }
  }
  return programIn(java, home);
}
