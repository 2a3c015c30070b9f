import { defineConfig } from 'vitest/config';

// Two projects: unit tests sit next to their code and need nothing; integration tests in test/ run against
// real Kafka, Redis and Toxiproxy that the global setup starts (and stops) through infra/local.
export default defineConfig({
  test: {
    // Integration files share one set of services and the machine has 2 cores: one file at a time.
    fileParallelism: false,
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{core,clients,infra,engines,scenarios,chaos,harness,dashboards,cli}/**/*.test.ts'],
          testTimeout: 20_000,
          // A hook that trains a model (scenarios/workloads/train.test.ts, ~1 s alone) ran past the 10 s default
          // in CI beside the integration suites' engines: a slow machine is not a failed test.
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
