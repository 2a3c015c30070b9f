import { describe, expect, it } from 'vitest';
import { clusterConfig, parseTaskManagerParams } from './cluster.ts';
import { FLINK_ENGINE_DEFAULTS } from './options.ts';

describe('flink cluster', () => {
  it("reads BashJavaUtils' TaskManager resource params as flink-dist's scripts do", () => {
    const out = [
      'INFO  [] - Loading configuration property: taskmanager.numberOfTaskSlots, 2',
      'BASH_JAVA_UTILS_EXEC_RESULT:-Xmx268435448 -Xms268435448 -XX:MaxDirectMemorySize=201326600 -XX:MaxMetaspaceSize=268435456',
      'BASH_JAVA_UTILS_EXEC_RESULT:-D taskmanager.memory.network.min=67108872b -D taskmanager.cpu.cores=2.0',
    ].join('\n');
    expect(parseTaskManagerParams(out)).toEqual({
      jvm: [
        '-Xmx268435448',
        '-Xms268435448',
        '-XX:MaxDirectMemorySize=201326600',
        '-XX:MaxMetaspaceSize=268435456',
      ],
      dynamic: ['-D', 'taskmanager.memory.network.min=67108872b', '-D', 'taskmanager.cpu.cores=2.0'],
    });
    expect(() => parseTaskManagerParams('Error: no config')).toThrow(/no resource params/);
  });

  it('configures heartbeats, restarts and checkpoints from the options, on loopback', () => {
    const c = clusterConfig(
      { ...FLINK_ENGINE_DEFAULTS, heartbeatTimeoutS: 5, restartDelayMs: 700 },
      { rest: 1, rpc: 2 },
      '/r',
    );
    expect(c).toMatchObject({
      'rest.port': 1,
      'jobmanager.rpc.port': 2,
      'heartbeat.timeout': 5000,
      'heartbeat.interval': 1000,
      'restart-strategy.fixed-delay.delay': '700 ms',
      'state.checkpoints.dir': 'file:///r/checkpoints',
      'taskmanager.numberOfTaskSlots': 2,
    });
  });

  it('under docker binds every interface and names the JobManager by its container alias', () => {
    const c = clusterConfig(FLINK_ENGINE_DEFAULTS, { rest: 1, rpc: 2 }, '/r', {
      jobManager: 'fl-0a1b2c3d-coordinator',
      bind: '0.0.0.0',
    });
    expect(c).toMatchObject({
      'jobmanager.rpc.address': 'fl-0a1b2c3d-coordinator',
      'rest.address': 'fl-0a1b2c3d-coordinator',
      'jobmanager.bind-host': '0.0.0.0',
      'rest.bind-address': '0.0.0.0',
      'taskmanager.bind-host': '0.0.0.0',
    });
  });
});
