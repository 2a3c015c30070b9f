import { describe, expect, it } from 'vitest';
import { BadInputError } from '../core/errors.ts';
import { drawSoakSchedule, SOAK_KINDS, soakTargets, validateSoakKinds } from './soak-schedule.ts';

const targets = soakTargets({ source: 2, features: 2, score: 2, sink: 1 });
const opts = { kinds: [...SOAK_KINDS], targets, durationS: 20 };

describe('soak schedules', () => {
  it('every worker, the coordinator, and every kind of link are targets', () => {
    expect(targets.processes).toEqual(expect.arrayContaining(['source[0]', 'sink[0]', 'coordinator']));
    expect(targets.links).toEqual(
      expect.arrayContaining([
        'link:source[1]->features[0]',
        'link:score[0]->sink[0]',
        'link:features[1]->coordinator',
        'link:coordinator->sink[0]',
        'link:features[0]->redis',
        'link:sink[0]->kafka',
      ]),
    );
  });

  it('the same seed gives the same schedule; faults fit their kind and start in the first 60 %', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const s = drawSoakSchedule(seed, opts);
      expect(drawSoakSchedule(seed, opts)).toEqual(s);
      expect(s.length).toBeGreaterThanOrEqual(1);
      expect(s.length).toBeLessThanOrEqual(4);
      for (const f of s) {
        expect(f.at).toBeGreaterThanOrEqual(0);
        expect(f.at).toBeLessThanOrEqual(12);
        if (f.kind === 'kill' || f.kind === 'pause') expect(targets.processes).toContain(f.target);
        if (f.kind === 'latency' || f.kind === 'partition') expect(targets.links).toContain(f.target);
        if (f.kind === 'redis-outage') expect(f.target).toBe('redis');
        if (f.kind === 'kafka-restart') expect(f.target).toBe('kafka');
        expect(f.for === undefined).toBe(f.kind === 'kill');
      }
    }
    expect(drawSoakSchedule(1, opts)).not.toEqual(drawSoakSchedule(2, opts));
  });

  it('over many seeds every kind is drawn and some faults overlap', () => {
    const all = Array.from({ length: 100 }, (_, i) => drawSoakSchedule(i, opts));
    expect(new Set(all.flat().map((f) => f.kind))).toEqual(new Set(SOAK_KINDS));
    const overlaps = all.some((s) =>
      s.some((a, i) => s.slice(i + 1).some((b) => b.at < a.at + (a.for ?? 0))),
    );
    expect(overlaps).toBe(true);
  });

  it('outages of one service never overlap (a second stop and start of a stopped service would race)', () => {
    for (let seed = 0; seed < 300; seed++) {
      const services = drawSoakSchedule(seed, { ...opts, maxFaults: 6 }).filter(
        (f) => f.target === 'kafka' || f.target === 'redis',
      );
      services.forEach((a, i) => {
        for (const b of services.slice(i + 1))
          if (a.target === b.target) expect(b.at, `seed ${seed}`).toBeGreaterThanOrEqual(a.at + a.for!);
      });
    }
  });

  it('unknown or unaimable kinds are bad input that names them', () => {
    expect(() => validateSoakKinds(['kill', 'meteor'])).toThrow(BadInputError);
    expect(() => validateSoakKinds(['disconnect'])).toThrow(
      /"disconnect" is not a fault kind a soak can draw/,
    );
    expect(() => validateSoakKinds([])).toThrow(/--kinds is empty/);
  });
});
