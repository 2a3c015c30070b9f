/**
 * The Kafka Streams app's build: its Maven module (./java) and the shared workloads module in one reactor, into
 * `<cache>/kafka-streams-<version>-<hash>/` (classes and libs/), keyed by both modules' sources
 * (engines/jvm-workloads/build.ts).
 */
import { fileURLToPath } from 'node:url';
import { sourceTreeHash } from '../../clients/host-tools.ts';
import { noProgress, type ProgressSink } from '../../core/progress.ts';
import { buildJvmModule } from '../jvm-workloads/build.ts';
import { jvmWorkloadsHash } from '../jvm-workloads/reactor.ts';

/** = the broker's version (infra/local's Kafka). */
export const KAFKA_STREAMS_VERSION = '3.9.1';
const MODULE = fileURLToPath(new URL('./java/', import.meta.url));

/** The built app: the JVM and its classpath. */
export interface StreamsProgram {
  java: string;
  classpath: string;
  home: string;
}

export function streamsModuleHash(): string {
  return sourceTreeHash(MODULE, (name) => name !== '.gitignore', `jvm-workloads ${jvmWorkloadsHash()}`);
}

export function ensureStreamsApp(progress: ProgressSink = noProgress): Promise<StreamsProgram> {
  return buildJvmModule(
    {
      system: 'kafka-streams',
      module: MODULE,
      prefix: `kafka-streams-${KAFKA_STREAMS_VERSION}-`,
      hash: streamsModuleHash(),
      building: `Building the Kafka Streams ${KAFKA_STREAMS_VERSION} app (Maven; ~70 MB of jars the first time, RocksDB's most of it)`,
      expect: [
        `libs/kafka-streams-${KAFKA_STREAMS_VERSION}.jar`,
        'target/classes/dev/faultline/kstreams/FaultlineStreams.class',
      ],
    },
    progress,
  );
}
