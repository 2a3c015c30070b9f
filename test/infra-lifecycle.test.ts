/**
 * `faultline infra up|status|down` as a user runs them: idempotent start, a clean stop that leaves no process
 * and no listening port, a crashed service reported with its log, and bad input answered with exit 2.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isPortFree } from '../clients/ports.ts';
import { controlService, readInstance } from '../infra/local/instance.ts';
import { cacheDir } from '../infra/local/paths.ts';
import { isAlive, processesMentioning } from '../infra/local/processes.ts';
import { KAFKA_VERSION } from '../infra/local/provision.ts';
import { runCli } from './helpers.ts';

const home = mkdtempSync(join(tmpdir(), 'faultline-home-'));
const env = { ...process.env, FAULTLINE_HOME: home };

afterAll(async () => {
  await runCli(['infra', 'down'], { env });
  rmSync(home, { recursive: true, force: true });
});

interface StatusJson {
  healthy: boolean;
  services: { name: string; pid: number; port: number; healthy: boolean; problem?: string }[];
}

describe('infra lifecycle', () => {
  it('up is idempotent, status shows all healthy, a crash is reported with its log, down leaves nothing', async () => {
    const first = await runCli(['infra', 'up', '--json'], { env });
    expect(first.code, first.stderr).toBe(0);
    const endpoints = JSON.parse(first.stdout);
    expect(endpoints.kafka.version).toBe(KAFKA_VERSION);
    expect(endpoints.kafka.bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(endpoints.redis.version).toMatch(/^7\./);
    expect(endpoints.toxiproxy.version).toMatch(/^2\./);

    const second = await runCli(['infra', 'up', '--json'], { env });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual(endpoints);
    expect(second.stderr).toContain('already running');
    expect(second.stderr).not.toContain('Fetching');

    const status = await runCli(['infra', 'status', '--json'], { env });
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.stdout) as StatusJson;
    expect(parsed.healthy).toBe(true);
    expect(parsed.services.map((s) => s.name).sort()).toEqual(['kafka', 'redis', 'toxiproxy']);
    const pids = parsed.services.map((s) => s.pid);
    const ports = parsed.services.map((s) => s.port);

    // A crashed service: status names it and shows the tail of its log.
    const redis = parsed.services.find((s) => s.name === 'redis')!;
    process.kill(redis.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    const crashed = await runCli(['infra', 'status', '--json'], { env });
    expect(crashed.code).toBe(1);
    const crashedStatus = JSON.parse(crashed.stdout) as StatusJson;
    expect(crashedStatus.healthy).toBe(false);
    const crashedRedis = crashedStatus.services.find((s) => s.name === 'redis')!;
    expect(crashedRedis.healthy).toBe(false);
    expect(crashedRedis.problem).toContain('Last log lines');
    expect(crashedRedis.problem).toContain('Ready to accept connections');

    // up on a half-running instance cleans it and starts afresh
    const again = await runCli(['infra', 'up', '--json'], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('half-running');
    const againStatus = JSON.parse(
      (await runCli(['infra', 'status', '--json'], { env })).stdout,
    ) as StatusJson;
    expect(againStatus.healthy).toBe(true);

    // Overlapping restarts (two faults' starts racing, as a soak schedule can make them) bring up one Redis,
    // the one the state file records: each action waits for the one before it.
    const saved = process.env.FAULTLINE_HOME;
    process.env.FAULTLINE_HOME = home;
    try {
      await controlService('default', 'redis', 'stop');
      await Promise.all([
        controlService('default', 'redis', 'start'),
        controlService('default', 'redis', 'start'),
      ]);
      const recorded = readInstance('default')!.services.find((s) => s.name === 'redis')!.pid;
      const running = processesMentioning(`${join(home, 'instances', 'default')}/`)
        .filter((p) => p.cmdline.includes('redis-server'))
        .map((p) => p.pid);
      expect(running).toEqual([recorded]);
      againStatus.services.push({ name: 'redis', pid: recorded, port: 0, healthy: true });
    } finally {
      process.env.FAULTLINE_HOME = saved;
    }

    const down = await runCli(['infra', 'down'], { env });
    expect(down.code).toBe(0);
    for (const pid of [...pids, ...againStatus.services.map((s) => s.pid)]) expect(isAlive(pid)).toBe(false);
    for (const port of [...ports, ...againStatus.services.map((s) => s.port).filter((p) => p > 0)])
      expect(await isPortFree(port)).toBe(true);
    const after = await runCli(['infra', 'status'], { env });
    expect(after.code).toBe(1);
    expect(after.stdout).toContain('not running');
  });
});

describe('infra bad input', () => {
  it('an unknown provider exits 2 and names the known ones', async () => {
    const r = await runCli(['infra', 'up', '--provider', 'kubernetes'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown provider "kubernetes"');
    expect(r.stderr).toContain('local');
  });

  it('a port already taken exits 2 and names the port', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    try {
      const r = await runCli(['infra', 'up', '--redis-port', String(port)], { env });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`port ${port} for redis is already in use`);
    } finally {
      srv.close();
    }
  });

  it('a missing JDK exits 2 and says how to install one', async () => {
    const r = await runCli(['infra', 'up'], { env: restrictedEnv(['sh', 'redis-server', 'mvn', 'go']) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('java (JDK 17+) is not available');
    expect(r.stderr).toContain('fix: install a JDK');
  });

  it('a missing Go toolchain exits 2 and says how to install one', async () => {
    const r = await runCli(['infra', 'up'], {
      env: restrictedEnv(['sh', 'redis-server', 'java'], { kafkaCached: true }),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('go (Go toolchain) is not available');
  });
});

/** An environment whose PATH holds only `tools`, with an empty cache (optionally with Kafka's jars). */
function restrictedEnv(tools: string[], opts: { kafkaCached?: boolean } = {}): NodeJS.ProcessEnv {
  const root = mkdtempSync(join(tmpdir(), 'faultline-path-'));
  const bin = join(root, 'bin');
  const cache = join(root, 'cache');
  mkdirSync(bin);
  mkdirSync(cache);
  for (const tool of tools) {
    const found = ['/usr/bin', '/bin', '/usr/local/bin', '/usr/local/go/bin'].map((d) => join(d, tool));
    const target = found.find((p) => existsSync(p));
    if (target) symlinkSync(target, join(bin, tool));
  }
  if (opts.kafkaCached)
    symlinkSync(join(cacheDir(), `kafka-${KAFKA_VERSION}`), join(cache, `kafka-${KAFKA_VERSION}`));
  return { ...env, PATH: bin, FAULTLINE_CACHE_DIR: cache, FAULTLINE_HOME: join(root, 'home') };
}
