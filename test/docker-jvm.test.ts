/**
 * The real engines under the docker provider: each JVM (a Flink JobManager or TaskManager, a Kafka Streams
 * instance) in its own container of the jvm image on the run's network, Kafka in its container; a kill of
 * features[1] is a `docker kill` of the container whose JVM runs it. One short kill-worker run per engine must
 * keep exactly-once as it does under the local provider, the dead JVM's container is started again, and no
 * container of the run is left behind.
 *
 * Cost (measured on the 2-core machine, under a soak's load): flink 42 s, kafka-streams 33 s, the services' start
 * ~8 s: about 85 s for the file; the images are built offline on first use (the jvm image is Debian's JRE 17:
 * ~1 min once, cached). The Storm cluster (ZooKeeper, nimbus and three supervisors in containers, 82 s) is
 * opt-in like test/storm-cluster.test.ts, for the same reason (CI has no room for it):
 * `FAULTLINE_STORM_CLUSTER=1 npx vitest run test/docker-jvm.test.ts`. Needs a Docker engine; without one the
 * whole file is skipped and says why.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../harness/runner.ts';
import { type DockerInfra, LABEL_INSTANCE, LABEL_RUN } from '../infra/docker/services.ts';
import { expectKillContract } from './contract-checks.ts';
import { dockerUnavailable, startTestDockerInfra } from './docker-helpers.ts';
import { runEvents, testScenario } from './helpers.ts';

const noDocker = await dockerUnavailable();

const out = mkdtempSync(join(tmpdir(), 'faultline-docker-jvm-'));
let infra: DockerInfra;

const title = noDocker
  ? `docker provider, JVM engines — no Docker engine: ${noDocker}`
  : 'docker provider, JVM engines';
describe.skipIf(noDocker !== undefined)(title, () => {
  beforeAll(async () => {
    infra = await startTestDockerInfra(`test-jvm-${process.pid}`);
  }, 600_000);
  afterAll(async () => {
    await infra?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  const killRun = async (
    engine: string,
    engineOptions: Record<string, unknown>,
    { guarantee = 'exactly-once' as 'exactly-once' | 'at-least-once', duration = 8, rate = 400 } = {},
  ) => {
    const kill = '\n  - { kind: kill, target: "features[1]", at: 3s }';
    const run = await runScenario({
      engine,
      guarantee,
      scenario: testScenario(`${engine}-docker-kill`, kill, { duration, warmup: 3, seed: 5 }),
      engineOptions,
      rate,
      outDir: out,
      infra,
    });
    const { summary, dir } = run;
    expect(summary.environment.provider).toBe('docker');
    expect(summary.counts).toMatchObject({ lost: 0, unexpected: 0 });
    expect(summary.verdict.guaranteeHeld).toBe(true);
    const events = runEvents(dir);
    // The JVM was killed and started again (by the adapter; a Storm worker by its supervisor).
    const failed = events.find((e) => e.type === 'worker.failed');
    expect(events.some((e) => e.type === 'worker.restarted' && e.worker === failed!.worker)).toBe(true);
    // Nothing of the run is left: its JVM containers are gone, the services stay.
    const dockerode = infra.client.container.dockerode;
    const left = await dockerode.listContainers({
      all: true,
      filters: { label: [`${LABEL_INSTANCE}=${infra.name}`, `${LABEL_RUN}=${summary.runId}`] },
    });
    expect(left.map((c) => c.Names[0])).toEqual([]);
    return run;
  };

  it('flink, exactly-once: JobManager and TaskManagers in containers; a killed TaskManager comes back', async () => {
    const run = await killRun('flink', { checkpointIntervalMs: 500, heartbeatTimeoutS: 5 });
    // The engine contract's kill case for flink (test/contract.test.ts runs it here when Docker is up).
    await expectKillContract('flink · exactly-once', run, infra);
    const { summary } = run;
    expect(summary.counts).toMatchObject({ duplicated: 0, incorrect: 0 });
    expect(summary.blastRadius.workersRestarted).toBeGreaterThan(0);
  });

  it('kafka-streams, exactly-once: each instance in its container; the survivor takes over the tasks', async () => {
    const run = await killRun('kafka-streams', {
      sessionTimeoutMs: 5000,
      heartbeatIntervalMs: 1000,
      commitIntervalMs: 1000,
    });
    await expectKillContract('kafka-streams · exactly-once', run, infra);
    const { summary } = run;
    expect(summary.counts).toMatchObject({ duplicated: 0, incorrect: 0 });
    expect(summary.blastRadius.workersRestarted).toBeGreaterThan(0);
  });

  it.runIf(process.env.FAULTLINE_STORM_CLUSTER === '1')(
    'storm cluster, at-least-once: ZooKeeper, nimbus, supervisors in containers; a killed worker JVM is relaunched by its supervisor',
    async () => {
      const { summary } = await killRun(
        'storm',
        {
          supervisors: 3,
          messageTimeoutS: 5,
          commitIntervalMs: 1000,
          retryMaxDelayMs: 1000,
          'topology.bolt.wait.progressive.level2.count': 0,
        },
        { guarantee: 'at-least-once', duration: 20, rate: 100 },
      );
      expect(summary.blastRadius.restartedWorkers).toContain('features[1]');
    },
    300_000,
  );
});
