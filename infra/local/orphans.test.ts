/**
 * Leftovers of a dead runner: an instance whose owner process is gone is listed (for `infra status`) with the
 * service processes still running, and swept (stopped and removed) by the next start.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listOrphans, sweepOrphans } from './instance.ts';
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
});
