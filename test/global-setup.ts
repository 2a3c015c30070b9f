/**
 * Starts one set of real services (Kafka, Redis, Toxiproxy) for the integration tests through the same API the
 * CLI uses, hands their endpoints to the tests, and stops them afterwards. The instance is owned by this
 * process, so if vitest dies the next start sweeps it.
 */
import type { TestProject } from 'vitest/node';
import { terminalProgress } from '../cli/progress-reporter.ts';
import { type InfraEndpoints, startInfra } from '../infra/local/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    infra: InfraEndpoints;
  }
}

export default async function setup(project: TestProject) {
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
