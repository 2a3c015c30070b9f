import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceTreeHash } from '../../clients/host-tools.ts';
import { noProgress, type ProgressSink } from '../../core/progress.ts';
import { buildJvmModule } from '../jvm-workloads/build.ts';
import { jvmWorkloadsHash } from '../jvm-workloads/reactor.ts';

export const FLINK_VERSION = '1.20.3';
const MODULE = fileURLToPath(new URL('./java/', import.meta.url));
const JOB_JAR = 'faultline-flink-1.jar';

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

export async function ensureFlinkJob(progress: ProgressSink = noProgress): Promise<FlinkProgram> {
  const built = await buildJvmModule(
    {
      system: 'flink',
      module: MODULE,
      prefix: `flink-${FLINK_VERSION}-`,
      hash: flinkModuleHash(),
      building: `Building the Flink ${FLINK_VERSION} job and cluster classpath (Maven; ~90 MB of jars the first time)`,
      expect: [`libs/flink-runtime-${FLINK_VERSION}.jar`, `target/${JOB_JAR}`],
    },
    progress,
  );
  return {
    ...built,
    jobJar: join(built.home, 'target', JOB_JAR),
    logConfig: join(built.home, 'target', 'classes', 'log4j2-faultline.properties'),
  };
}
