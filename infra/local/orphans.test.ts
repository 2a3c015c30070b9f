/**
 * Leftovers of a dead runner: an instance whose owner process is gone is listed (for `infra status`) with the
 * service processes still running, and swept (stopped and removed) by the next start.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listOrphans, stopInfra, sweepOrphans } from './instance.ts';
import { isAlive } from './processes.ts';

let home: string;
const saved = process.env.FAULTLINE_HOME;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'faultline-orphans-'));
  process.env.FAULTLINE_HOME = home;
});
afterEach(() => {
  if (saved === undefined) delete process.env.FAULTLINE_HOME;
  else process.env.FAULTLINE_HOME = saved;
  rmSync(home, { recursive: true, force: true });
});

function instance(name: string, owner: number | null, service: { pid: number; marker: string }) {
  const dir = join(home, 'instances', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'state.json'),
    JSON.stringify({
      schema: 'faultline/infra-instance@1',
      name,
      owner,
      createdAt: '2026-11-30T00:00:00.000Z',
      services: [
        {
          name: 'redis',
          host: '127.0.0.1',
          port: 1,
          ports: [],
          version: '7',
          dataDir: dir,
          logFile: join(dir, 'r.log'),
          ...service,
        },
      ],
    }),
  );
  return dir;
}

describe('leftovers of dead runners', () => {
  it('are listed with their running services, then swept; live owners and infra up are left alone', async () => {
    const dead = spawnSync('true').pid!;
    const marker = `faultline-orphan-test-${process.pid}`;
    // A "service" the dead runner left: a process whose command line carries the marker.
    const leftover = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', marker], {
      detached: true,
      stdio: 'ignore',
    });
    leftover.unref();
    const orphanDir = instance('run-dead', dead, { pid: leftover.pid!, marker });
    instance('run-alive', process.pid, { pid: leftover.pid!, marker });
    instance('default', null, { pid: leftover.pid!, marker });
    try {
      const orphans = listOrphans();
      expect(orphans.map((o) => o.name)).toEqual(['run-dead']);
      expect(orphans[0]).toMatchObject({
        owner: dead,
        running: [{ name: 'redis', pid: leftover.pid, port: 1 }],
      });
      expect(await sweepOrphans()).toEqual(['run-dead']);
      expect(existsSync(orphanDir)).toBe(false);
      expect(isAlive(leftover.pid!)).toBe(false);
      expect(listOrphans()).toEqual([]);
    } finally {
      if (isAlive(leftover.pid!)) process.kill(leftover.pid!, 'SIGKILL');
    }
  });

  it('service processes no state file records are found by the folder they name, listed and stopped', async () => {
    // What a racing broker restart leaves: a second "Kafka" whose command line names the instance's config.
    const fakeKafka = (config: string) => {
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', 'kafka.Kafka ', config], {
        detached: true,
        stdio: 'ignore',
      });
      child.unref();
      return child.pid!;
    };
    const recorded = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', `marker-${process.pid}`], {
      detached: true,
      stdio: 'ignore',
    });
    recorded.unref();
    const liveDir = instance('run-live', process.pid, {
      pid: recorded.pid!,
      marker: `marker-${process.pid}`,
    });
    const strayOfLive = fakeKafka(join(liveDir, 'kafka.properties'));
    const strayOfGone = fakeKafka(join(home, 'instances', 'run-gone', 'kafka.properties'));
    const pids = [recorded.pid!, strayOfLive, strayOfGone];
    try {
      // A live owner's instance is not a leftover; an instance folder that is gone, with a broker still up, is.
      await waitFor(() => listOrphans().length > 0);
      expect(listOrphans()).toEqual([
        {
          name: 'run-gone',
          dir: join(home, 'instances', 'run-gone'),
          owner: null,
          createdAt: null,
          running: [],
          strays: [{ pid: strayOfGone, service: 'kafka', marker: `${join(home, 'instances', 'run-gone')}/` }],
        },
      ]);
      expect(await sweepOrphans()).toEqual(['run-gone']);
      expect(isAlive(strayOfGone)).toBe(false);
      expect(isAlive(strayOfLive)).toBe(true);
      // Stopping the live instance stops its recorded service and the broker it never recorded.
      expect(await stopInfra('run-live')).toBe(true);
      expect(isAlive(recorded.pid!)).toBe(false);
      expect(isAlive(strayOfLive)).toBe(false);
      expect(existsSync(liveDir)).toBe(false);
    } finally {
      for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});

/** A spawned process's command line is readable a moment after spawn returns. */
async function waitFor(ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
}
