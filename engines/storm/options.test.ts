import { describe, expect, it } from 'vitest';
import { STORM_DEFAULTS } from '../ack-tree/options.ts';
import { parseStormOptions } from './options.ts';

describe('storm options', () => {
  it("start from Storm's defaults, the same as ack-tree's where they mean the same", () => {
    const o = parseStormOptions({});
    expect(o.messageTimeoutS).toBe(STORM_DEFAULTS.messageTimeoutS);
    expect(o.commitIntervalMs).toBe(STORM_DEFAULTS.commitIntervalMs);
    expect(o.maxSpoutPending).toBeNull();
    expect(o.proxied).toBe(false);
  });

  it('read the catalogue values and unbounded', () => {
    const o = parseStormOptions({ messageTimeoutS: 5, commitIntervalMs: 1000, maxSpoutPending: 'unbounded' });
    expect(o).toMatchObject({ messageTimeoutS: 5, commitIntervalMs: 1000, maxSpoutPending: null });
  });

  it("refuse ack-tree's model-only settings, bad values and proxied links", () => {
    expect(() => parseStormOptions({ heartbeatTimeoutS: 5 })).toThrow(/no option "heartbeatTimeoutS"/);
    expect(() => parseStormOptions({ messageTimeoutS: 0 })).toThrow(/≥ 1/);
    expect(() => parseStormOptions({ ackers: 1.5 })).toThrow(/integer/);
    expect(() => parseStormOptions({ proxied: true })).toThrow(/Toxiproxy/);
  });

  it('a cluster: supervisors ≥ 1, workers that fit on them (one slot each), none for LocalCluster', () => {
    expect(parseStormOptions({}).supervisors).toBe(0);
    expect(parseStormOptions({ supervisors: '3' })).toMatchObject({ supervisors: 3, workers: null });
    expect(parseStormOptions({ supervisors: 3, workers: 2 }).workers).toBe(2);
    expect(() => parseStormOptions({ workers: 2 })).toThrow(/for a cluster/);
    expect(() => parseStormOptions({ supervisors: 2, workers: 3 })).toThrow(/do not fit/);
    expect(() => parseStormOptions({ supervisors: 1.5 })).toThrow(/integer/);
  });

  it("hands Storm's own topology.* settings on as they are, numbers and booleans typed", () => {
    const o = parseStormOptions({
      'topology.bolt.wait.progressive.level2.count': '10',
      'topology.debug': 'false',
      topologyConf: { 'topology.worker.childopts': '-Xmx256m' },
    });
    expect(o.topologyConf).toEqual({
      'topology.bolt.wait.progressive.level2.count': 10,
      'topology.debug': false,
      'topology.worker.childopts': '-Xmx256m',
    });
    expect(() => parseStormOptions({ topologyConf: { 'nimbus.seeds': 'x' } })).toThrow(/topology\.\* keys/);
  });
});
