import { describe, expect, it } from 'vitest';
import type { DeployPlan } from '../types.ts';
import { clusterLayout, clusterPortCount, innermostPid } from './cluster.ts';
import { storm } from './index.ts';
import { parseStormOptions } from './options.ts';

describe("a Storm cluster's layout", () => {
  it('gives ZooKeeper, nimbus and every supervisor its ports, one slot each, and its own storm.local.dir', () => {
    const options = parseStormOptions({ supervisors: 2 });
    const ports = [2181, 6627, 7001, 6700, 7002, 6701];
    expect(clusterPortCount(options)).toBe(ports.length);
    const layout = clusterLayout('/runs/r1/storm-cluster', options, ports);
    expect(layout).toMatchObject({ zookeeperPort: 2181, nimbusPort: 6627 });
    expect(layout.supervisors.map((s) => [s.name, s.thriftPort, s.slotPort])).toEqual([
      ['supervisor[0]', 7001, 6700],
      ['supervisor[1]', 7002, 6701],
    ]);
    expect(layout.confs['supervisor-1']).toMatchObject({
      'storm.zookeeper.port': 2181,
      'nimbus.thrift.port': 6627,
      'supervisor.slots.ports': [6701],
      'supervisor.thrift.port': 7002,
      'storm.local.dir': '/runs/r1/storm-cluster/local/supervisor-1',
    });
    expect(layout.confs.nimbus!['storm.local.dir']).toBe('/runs/r1/storm-cluster/local/nimbus');
  });

  it('under docker names ZooKeeper, nimbus and each supervisor by its host (its container alias)', () => {
    const options = parseStormOptions({ supervisors: 2 });
    const layout = clusterLayout('/h', options, [2181, 6627, 7001, 6700, 7002, 6701], (d) => `fl-x-${d}`);
    expect(layout.confs['supervisor-1']).toMatchObject({
      'storm.zookeeper.servers': ['fl-x-zookeeper'],
      'nimbus.seeds': ['fl-x-nimbus'],
      'storm.local.hostname': 'fl-x-supervisor[1]',
    });
    expect(layout.confs.nimbus!['storm.local.hostname']).toBe('fl-x-nimbus');
  });
});

describe('innermostPid', () => {
  it("reads the pid a process has in its own pid namespace (a container's) from /proc/<pid>/status", () => {
    expect(innermostPid('Name:\tjava\nPid:\t4242\nNSpid:\t4242\t57\nNSpgid:\t4242\t1\n')).toBe(57);
    expect(innermostPid('Name:\tjava\nNSpid:\t4242\n')).toBe(4242);
    expect(innermostPid('Name:\tjava\n')).toBeNull();
  });
});

describe('storm under the docker provider', () => {
  it('refuses the single-JVM LocalCluster (a cluster runs in containers) and says how to get one', async () => {
    const refused = storm.deploy({
      workload: { name: 'titanic' },
      options: {},
      placement: { launcher: { kind: 'docker' } },
    } as unknown as DeployPlan);
    await expect(refused).rejects.toThrow(/LocalCluster runs as a local process only, not under docker/);
    await expect(refused).rejects.toMatchObject({ fix: expect.stringMatching(/-o supervisors=N/) });
  });
});
