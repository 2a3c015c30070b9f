import { describe, expect, it } from 'vitest';
import { engines } from '../engines/index.ts';
import { catalogNames, loadScenario } from '../scenarios/index.ts';

const faultTolerant = Object.values(engines).filter((e) => e?.horizon !== undefined);

describe('the catalogue gives every engine the same replay horizon', () => {
  it('covers the fault-tolerant engines, the real Storm, Flink and Kafka Streams among them', () => {
    expect(faultTolerant.map((e) => e!.name).sort()).toEqual([
      'ack-tree',
      'barrier-snapshot',
      'flink',
      'kafka-streams',
      'operator-checkpoint',
      'storm',
    ]);
  });

  it.each(catalogNames())('%s: equal restore point and detection across engines', (name) => {
    const scenario = loadScenario(name);
    const horizons = faultTolerant.map((e) => ({
      engine: e!.name,
      ...e!.horizon!(scenario.engineOptions[e!.name] ?? {}),
    }));
    // checkpoints-off turns barrier-snapshot's checkpoints off on purpose (what checkpoints cost): no restore point.
    const restore = new Set(
      horizons.map((h) => h.restorePointMs).filter((r) => r !== null || name !== 'checkpoints-off'),
    );
    const detection = new Set(horizons.map((h) => h.detectionMs));
    expect([...restore], JSON.stringify(horizons)).toHaveLength(1);
    expect([...detection], JSON.stringify(horizons)).toHaveLength(1);
  });

  it("at the real systems' defaults they differ, which is why the catalogue scales them", () => {
    const defaults = faultTolerant.map((e) => e!.horizon!({}));
    expect(new Set(defaults.map((h) => h.detectionMs)).size).toBeGreaterThan(1);
    expect(defaults.map((h) => h.text)).toEqual([
      'offset commit 30 s · message timeout 30 s · heartbeat timeout 30 s',
      'checkpoint 1 s · heartbeat timeout 50 s',
      'checkpoint 60 × 500 ms windows = 30 s · heartbeat timeout 30 s',
      'offset commit 30 s · message timeout 30 s · relaunch after 3 s',
      'checkpoint 1 s · heartbeat timeout 50 s',
      'commit interval 0.1 s · session timeout 45 s',
    ]);
  });
});
