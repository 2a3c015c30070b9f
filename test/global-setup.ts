/**
 * Starts one set of real services (Kafka, Redis, Toxiproxy) for the integration tests through the same API the
 * CLI uses, hands their endpoints to the tests, and stops them afterwards. The instance is owned by this
 * process, so if vitest dies the next start sweeps it. H2O's jars, the Storm topology and the Flink job are
 * provisioned here too (the H2O test starts its own server; the storm, flink and kafka-streams engines build with Maven), so a
 * fresh machine fetches them once, before any test's clock runs.
 */
import type { TestProject } from 'vitest/node';
import { terminalProgress } from '../cli/progress-reporter.ts';
import { ensureFlinkJob } from '../engines/flink/provision.ts';
import { ensureStreamsApp } from '../engines/kafka-streams/provision.ts';
import { ensureStormTopology } from '../engines/storm/provision.ts';
import { ensureH2oServer, ensureMojoScorer } from '../infra/h2o/index.ts';
import { type InfraEndpoints, startInfra } from '../infra/local/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    infra: InfraEndpoints;
  }
}

export default async function setup(project: TestProject) {
  // H2O's jars and the MOJO scorer (test/h2o-model.test.ts), fetched once into the cache like Kafka's.
  await ensureH2oServer(terminalProgress());
  await ensureMojoScorer(terminalProgress());
  // The real Storm topology (engines/storm/java): its jars and a Maven build, once per version of its sources.
  await ensureStormTopology(terminalProgress());
  // The real Flink job and cluster classpath (engines/flink/java): a Maven build, once per version of its sources.
  await ensureFlinkJob(terminalProgress());
  // The Kafka Streams app (engines/kafka-streams/java): a Maven build, once per version of its sources.
  await ensureStreamsApp(terminalProgress());
  const infra = await startInfra({ name: `test-${process.pid}`, progress: terminalProgress() });
  project.provide('infra', {
    instance: infra.instance,
    kafka: infra.kafka,
    redis: infra.redis,
    toxiproxy: infra.toxiproxy,
  });
  return async () => {
    await infra.stop();
  };
}
