import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, requireJava, requireMaven, run, sourceTreeHash } from '../../clients/host-tools.ts';
import { ServiceFailedError } from '../../core/errors.ts';
import { noProgress, type ProgressSink, timed } from '../../core/progress.ts';
import { jvmWorkloadsHash, stageWithWorkloads } from '../jvm-workloads/reactor.ts';

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

export function flinkModuleHash(): string {
  return sourceTreeHash(MODULE, (name) => name !== '.gitignore', `jvm-workloads ${jvmWorkloadsHash()}`);
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
  const java = requireJava();
  const mvn = requireMaven();
  const name = `flink-${FLINK_VERSION}-${flinkModuleHash()}`;
  const home = join(cacheDir(), name);
  if (existsSync(join(home, '.complete'))) return programIn(java, home);

  const staging = `${home}.partial`;
  rmSync(staging, { recursive: true, force: true });
  const reactor = stageWithWorkloads(MODULE, staging);
  await timed(
    progress,
    `Building the Flink ${FLINK_VERSION} job and cluster classpath (Maven; ~90 MB of jars the first time)`,
    () =>
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
