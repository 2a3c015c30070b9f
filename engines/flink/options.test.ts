import { describe, expect, it } from 'vitest';
import { FLINK_ENGINE_DEFAULTS, heartbeatIntervalMs, parseFlinkOptions } from './options.ts';

describe('flink options', () => {
  it("defaults to Flink's own settings and takes scaled ones", () => {
    expect(parseFlinkOptions({})).toEqual(FLINK_ENGINE_DEFAULTS);
    const o = parseFlinkOptions({ checkpointIntervalMs: 500, heartbeatTimeoutS: 5, taskManagers: 3 });
    expect(o).toMatchObject({ checkpointIntervalMs: 500, heartbeatTimeoutS: 5, taskManagers: 3 });
    // Flink's ratio of heartbeat interval to timeout (10 s of 50 s).
    expect(heartbeatIntervalMs(o)).toBe(1000);
    expect(heartbeatIntervalMs(FLINK_ENGINE_DEFAULTS)).toBe(10_000);
  });

  it('refuses what it cannot do', () => {
    expect(() => parseFlinkOptions({ nope: 1 })).toThrow(/no option "nope"/);
    expect(() => parseFlinkOptions({ taskManagers: 0 })).toThrow(/≥ 1/);
    expect(() => parseFlinkOptions({ slotsPerTaskManager: 1.5 })).toThrow(/integer/);
    expect(() => parseFlinkOptions({ proxied: 'yes' })).toThrow(/true or false/);
    expect(() => parseFlinkOptions({ checkpointIntervalMs: 0 }, 'exactly-once')).toThrow(/never commit/);
    expect(parseFlinkOptions({ checkpointIntervalMs: 0 }, 'at-least-once').checkpointIntervalMs).toBe(0);
  });
});
