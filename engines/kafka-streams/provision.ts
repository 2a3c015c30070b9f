/**
 * The Kafka Streams app's build: its Maven module (./java) and the shared workloads module in one reactor
 * (engines/jvm-workloads/reactor.ts), into `<cache>/kafka-streams-<version>-<hash>/` (classes and libs/), keyed
 * by both modules' sources, so an edit rebuilds; idempotent (a `.complete` marker), older builds removed.
 */
import { existsSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir, requireJava, requireMaven, run, sourceTreeHash } from '../../clients/host-tools.ts';
import { ServiceFailedError } from '../../core/errors.ts';
import { noProgress, type ProgressSink, timed } from '../../core/progress.ts';
import { jvmWorkloadsHash, stageWithWorkloads } from '../jvm-workloads/reactor.ts';

/** = the broker's version (infra/local's Kafka). */
export const KAFKA_STREAMS_VERSION = '3.9.1';
const MODULE = fileURLToPath(new URL('./java/', import.meta.url));
const PREFIX = `kafka-streams-${KAFKA_STREAMS_VERSION}-`;

/** The built app: the JVM and its classpath. */
export interface StreamsProgram {
  java: string;
  classpath: string;
  home: string;
}

export function streamsModuleHash(): string {
  return sourceTreeHash(MODULE, (name) => name !== '.gitignore', `jvm-workloads ${jvmWorkloadsHash()}`);
}

function programIn(java: string, home: string): StreamsProgram {
  return { java, classpath: `${join(home, 'target', 'classes')}:${join(home, 'libs', '*')}`, home };
}

export async function ensureStreamsApp(progress: ProgressSink = noProgress): Promise<StreamsProgram> {
  const java = requireJava();
  const mvn = requireMaven();
  const name = `${PREFIX}${streamsModuleHash()}`;
  const home = join(cacheDir(), name);
  if (existsSync(join(home, '.complete'))) return programIn(java, home);

  const staging = `${home}.partial`;
  rmSync(staging, { recursive: true, force: true });
  const reactor = stageWithWorkloads(MODULE, staging);
  await timed(
    progress,
    `Building the Kafka Streams ${KAFKA_STREAMS_VERSION} app (Maven; ~70 MB of jars the first time, RocksDB's most of it)`,
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
  if (
    !existsSync(join(staging, 'libs', `kafka-streams-${KAFKA_STREAMS_VERSION}.jar`)) ||
    !existsSync(join(staging, 'target', 'classes', 'dev', 'faultline', 'kstreams', 'FaultlineStreams.class'))
  ) {
    throw new ServiceFailedError(
      'kafka-streams',
      `Maven finished but ${staging} holds no kafka-streams jar or app classes`,
    );
  }
  writeFileSync(join(staging, '.complete'), new Date().toISOString());
  rmSync(home, { recursive: true, force: true });
  renameSync(staging, home);
  for (const entry of readdirSync(cacheDir())) {
    if (entry.startsWith(PREFIX) && entry !== name)
      rmSync(join(cacheDir(), entry), { recursive: true, force: true });
  }
  return programIn(java, home);
}
