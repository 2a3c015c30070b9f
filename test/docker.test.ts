/**
 * The docker provider end to end: Kafka, Redis and Toxiproxy as containers on a private network, every engine
 * worker in its own container (testcontainers), faults as container faults. Each engine's kill-worker run must
 * keep the guarantee it keeps under the local provider (exactly-once engines: nothing lost, nothing duplicated).
 *
 * Needs a Docker engine; without one the whole file is skipped and says why. Images are built offline on
 * first use (cached afterwards), as `faultline images build --offline` does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../harness/runner.ts';
import { type DockerInfra, LABEL_INSTANCE } from '../infra/docker/services.ts';
import { dockerUnavailable, startTestDockerInfra } from './docker-helpers.ts';
import { repoRoot, runEvents, scaledAckTree, testScenario } from './helpers.ts';

const noDocker = await dockerUnavailable();

const out = mkdtempSync(join(tmpdir(), 'faultline-docker-'));
let infra: DockerInfra;

const title = noDocker ? `docker provider — no Docker engine: ${noDocker}` : 'docker provider';
describe.skipIf(noDocker !== undefined)(title, () => {
  beforeAll(async () => {
    infra = await startTestDockerInfra(`test-${process.pid}`);
  }, 600_000);
  afterAll(async () => {
    await infra?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  const kill = '\n  - { kind: kill, target: "features[1]", at: 5s }';
  // 12 s of load: 7 s after the kill at 5 s, and the drain waits until every container is back up.
  const run = (
    engine: string,
    guarantee: string,
    engineOptions: Record<string, unknown>,
    faults = kill,
    duration = faults ? 12 : 5,
  ) =>
    runScenario({
      engine,
      guarantee: guarantee as 'exactly-once',
      scenario: testScenario('kill-worker', faults, { duration, seed: 5 }),
      engineOptions,
      outDir: out,
      infra,
    });

  it('services and workers are containers on the instance network, labelled for the sweep', async () => {
    const { summary, dir } = await run('passthrough', 'none', {}, '');
    expect(summary.counts).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
    expect(summary.environment.provider).toBe('docker');
    const started = runEvents(dir).find((e) => e.type === 'worker.started');
    expect(started?.pid).toBeGreaterThan(0);
    const dockerode = infra.client.container.dockerode;
    const mine = await dockerode.listContainers({ filters: { label: [`${LABEL_INSTANCE}=${infra.name}`] } });
    // Kafka, Redis, Toxiproxy: the run's worker containers are gone with the run.
    expect(mine.map((c) => c.Names[0]).sort()).toEqual(
      ['kafka', 'redis', 'toxiproxy'].map((s) => `/fl-${infra.name}-${s}`),
    );
  });

  it('ack-tree, at-least-once: docker kill of features[1] → its container is restarted, nothing lost', async () => {
    const { summary, dir } = await run('ack-tree', 'at-least-once', scaledAckTree(3));
    expect(summary.counts).toMatchObject({ lost: 0, unexpected: 0 });
    expect(summary.verdict.guaranteeHeld).toBe(true);
    expect(summary.blastRadius.restartedWorkers).toEqual(['features[1]']);
    const failed = runEvents(dir).find((e) => e.type === 'worker.failed');
    expect(failed).toMatchObject({ worker: 'features[1]', exit: 'SIGKILL' });
    // The injection is placed when `docker kill` was issued, before the exit it caused; `tookMs` is how long the
    // call took, in whole milliseconds (not µs like `at`): a call that returned within the run.
    const inject = runEvents(dir).find((e) => e.type === 'fault.inject');
    expect(inject!.at).toBeLessThanOrEqual(failed!.at);
    expect(Number.isInteger(inject!.tookMs)).toBe(true);
    expect(inject!.tookMs).toBeGreaterThanOrEqual(0);
    expect(inject!.tookMs).toBeLessThan(summary.durationS * 1000);
  });

  // Under docker the restarted job is slow enough for a second failover to follow the first; this test once saw
  // duplicates from that (the 2PC sink did not fence its whole producer pool; see test/two-phase-sink.test.ts).
  it('barrier-snapshot, exactly-once: every container restarts from the checkpoint, nothing lost or duplicated', async () => {
    const { summary } = await run('barrier-snapshot', 'exactly-once', {
      checkpointIntervalMs: 1000,
      heartbeatTimeoutS: 10,
    });
    expect(summary.counts).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
    expect(summary.blastRadius.workersRestarted).toBe(summary.blastRadius.workersTotal);
  });

  it('operator-checkpoint, exactly-once: only the downstream closure restarts, nothing lost or duplicated', async () => {
    const { summary } = await run('operator-checkpoint', 'exactly-once', {
      windowMs: 500,
      checkpointWindowCount: 10,
      heartbeatTimeoutS: 10,
    });
    expect(summary.counts).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
    expect(summary.blastRadius.restartedWorkers.sort()).toEqual([
      'features[1]',
      'score[0]',
      'score[1]',
      'sink[0]',
    ]);
  });

  it('docker pause and network disconnect of a container: the engine notices, and recovers without loss', async () => {
    const faults =
      '\n  - { kind: pause, target: "score[0]", at: 4s, for: 3s }' +
      '\n  - { kind: disconnect, target: "features[0]", at: 10s, for: 4s }';
    const { summary, dir } = await run(
      'operator-checkpoint',
      'exactly-once',
      { windowMs: 500, checkpointWindowCount: 10, heartbeatTimeoutS: 10 },
      faults,
      16,
    );
    expect(summary.counts).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
    const kinds = runEvents(dir)
      .filter((e) => e.type === 'fault.inject')
      .map((e) => e.kind);
    expect(kinds).toEqual(['pause', 'disconnect']);
  });
});

const compose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
const composeTitle = compose ? 'docker-compose.yml' : 'docker-compose.yml — docker-compose is not installed';
describe.skipIf(noDocker !== undefined || !compose)(composeTitle, () => {
  it('`docker-compose up` runs a scenario on the stack: the runner, its services and one container per worker role', async () => {
    // The engine image is the one the provider tests above keep current (it is rebuilt from the sources).
    const project = `fl-compose-${process.pid}`;
    const results = mkdtempSync(join(tmpdir(), 'faultline-compose-'));
    const env = {
      ...process.env,
      FAULTLINE_NETWORK: project,
      FAULTLINE_RESULTS: results,
      ENGINE: 'operator-checkpoint',
      GUARANTEE: 'exactly-once',
      SCENARIO: 'kill-worker',
      FAULTLINE_RUN_ARGS: '--rate 300 --duration 15 --warmup 3 --drain 30',
    };
    // Asynchronous: a synchronous spawn would block this worker for the whole compose run, and vitest's RPC to
    // the main process then times out ("Timeout calling onTaskUpdate"), an unhandled error that fails the suite.
    const run = (args: string[]) =>
      new Promise<{ status: number | null; stdout: string }>((resolve, reject) => {
        const child = spawn('docker-compose', ['-p', project, ...args], { cwd: repoRoot, env });
        let stdout = '';
        child.stdout.on('data', (d) => {
          stdout = (stdout + d).slice(-20_000);
        });
        child.stderr.on('data', (d) => {
          stdout = (stdout + d).slice(-20_000);
        });
        child.on('error', reject);
        child.on('close', (status) => resolve({ status, stdout }));
      });
    try {
      const up = await run(['up', '--abort-on-container-exit', '--exit-code-from', 'faultline']);
      expect(up.status, up.stdout.slice(-3000)).toBe(0);
      const [runDir] = readdirSync(results);
      const summary = JSON.parse(readFileSync(join(results, runDir!, 'summary.json'), 'utf8'));
      expect(summary.counts).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, incorrect: 0 });
      expect(summary.blastRadius.restartedWorkers.length).toBeGreaterThan(0);
      expect(summary.environment.provider).toBe('docker');
    } finally {
      await run(['down', '--remove-orphans']);
      // Results were written by root inside the runner container; remove them here.
      rmSync(results, { recursive: true, force: true });
    }
  }, 300_000);
});
