import { describe, expect, it } from 'vitest';
import { containerAlias, containerPaths, exitOf, samePathBinds } from './workers.ts';

describe('containerAlias', () => {
  it('is DNS-safe, stable per run and different across runs', () => {
    const a = containerAlias('20261125-run-a', 'features[1]');
    expect(a).toMatch(/^fl-[0-9a-f]{8}-features-1$/);
    expect(containerAlias('20261125-run-a', 'features[1]')).toBe(a);
    expect(containerAlias('20261125-run-b', 'features[1]')).not.toBe(a);
    expect(containerAlias('r', 'coordinator')).toMatch(/-coordinator$/);
  });
});

describe('containerPaths', () => {
  it('maps repository paths into the image and mounts the folders of other existing files read-only', () => {
    const { config, mounts } = containerPaths(
      {
        workload: { module: '/repo/scenarios/workloads/index.ts', dataPath: '/etc/hostname' },
        entries: ['/repo/engines/ack-tree/worker.ts'],
        topic: 'fl.run.in',
        missing: '/no/such/file.csv',
      },
      '/repo',
    );
    expect(config).toEqual({
      workload: { module: '/app/scenarios/workloads/index.ts', dataPath: '/mnt/host/etc/hostname' },
      entries: ['/app/engines/ack-tree/worker.ts'],
      topic: 'fl.run.in',
      missing: '/no/such/file.csv',
    });
    expect(mounts).toEqual([{ source: '/etc', target: '/mnt/host/etc', mode: 'ro' }]);
  });

  it('does not confuse a sibling folder with the repository', () => {
    expect(containerPaths('/repo-other/x.ts', '/repo').config).toBe('/repo-other/x.ts');
  });
});

describe('samePathBinds', () => {
  it('mounts each host path at its own path, a folder inside another only when it needs more access', () => {
    expect(
      samePathBinds([
        { path: '/cache/flink-1', writable: false },
        { path: '/runs/r1', writable: true },
        { path: '/runs/r1/flink', writable: true },
        { path: '/repo/models', writable: false },
        { path: '/repo/models/', writable: true },
        { path: '/repo', writable: false },
      ]),
    ).toEqual([
      '/cache/flink-1:/cache/flink-1:ro',
      '/repo:/repo:ro',
      '/repo/models:/repo/models:rw',
      '/runs/r1:/runs/r1:rw',
    ]);
  });

  it('does not take a sibling folder for a parent', () => {
    expect(
      samePathBinds([
        { path: '/runs/r1', writable: true },
        { path: '/runs/r10', writable: true },
      ]),
    ).toEqual(['/runs/r1:/runs/r1:rw', '/runs/r10:/runs/r10:rw']);
  });
});

describe('exitOf', () => {
  it('reads a container status above 128 as the signal that ended its process', () => {
    expect(exitOf(137)).toEqual({ code: null, signal: 'SIGKILL' });
    expect(exitOf(143)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(exitOf(0)).toEqual({ code: 0, signal: null });
    expect(exitOf(1)).toEqual({ code: 1, signal: null });
  });
});
