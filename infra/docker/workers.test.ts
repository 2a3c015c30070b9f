import { describe, expect, it } from 'vitest';
import { containerAlias, containerPaths } from './workers.ts';

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
