import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.ts';
import type { FaultSpec } from '../core/types.ts';
import type { ProcessControl } from '../engines/types.ts';
import { createNemesis } from './nemesis.ts';
import type { TargetResolver } from './targets.ts';

/** A process target that logs what was done to it; `failKill` makes its kill throw. */
function processTarget(log: string[], failKill = false): ProcessControl {
  return {
    kill: async () => {
      if (failKill) throw new Error('ESRCH');
      log.push('kill');
    },
    pause: async () => {
      log.push('pause');
    },
    resume: async () => {
      log.push('resume');
    },
  };
}

function resolver(controls: Record<string, ProcessControl | null>): TargetResolver {
  return {
    processes: () => Object.fromEntries(Object.keys(controls).map((k) => [k, controls[k] ? 1 : null])),
    controls: () => controls,
    links: () => ({}),
    toxiproxyApi: 'http://127.0.0.1:1',
    services: undefined,
  };
}

const fault = (kind: string, target: string, at: number, duration?: number): FaultSpec => ({
  kind,
  target,
  at,
  ...(duration === undefined ? {} : { for: duration }),
  params: {},
});

describe('nemesis', () => {
  it('records a fault only once its injection succeeded; a failed one is an error, one whose target is not running is skipped', async () => {
    const log: string[] = [];
    const seen: string[] = [];
    const nemesis = createNemesis(
      [fault('kill', 'a', 0), fault('kill', 'b', 0), fault('kill', 'gone', 0)],
      resolver({ a: processTarget(log), b: processTarget(log, true), gone: null }),
      {
        onError: (_e, err) => seen.push(`${err.phase} ${err.target}`),
        onSkip: (s) => seen.push(`skipped ${s.target}`),
      },
    );
    const now = systemClock.nowUs();
    nemesis.start(now, now);
    await systemClock.sleep(50);
    await nemesis.healAll();
    expect(log).toEqual(['kill']);
    expect(nemesis.records().map((r) => r.target)).toEqual(['a']);
    expect(nemesis.errors()).toMatchObject([{ phase: 'inject', kind: 'kill', target: 'b', error: 'ESRCH' }]);
    expect(nemesis.skipped()).toMatchObject([
      { phase: 'inject', kind: 'kill', target: 'gone', error: expect.stringMatching(/not running/) },
    ]);
    expect(seen.sort()).toEqual(['inject b', 'skipped gone']);
  });

  it('heals a fault still active when healAll is called (the load ended) and records when', async () => {
    const log: string[] = [];
    const nemesis = createNemesis([fault('pause', 'a', 0, 60)], resolver({ a: processTarget(log) }));
    const now = systemClock.nowUs();
    nemesis.start(now, now);
    await systemClock.sleep(50);
    expect(nemesis.records()[0]?.until).toBe(null);
    await nemesis.healAll();
    expect(log).toEqual(['pause', 'resume']);
    const [record] = nemesis.records();
    expect(record!.until).not.toBe(null);
    expect(record!.until!).toBeGreaterThanOrEqual(record!.at);
    expect(record!.until!).toBeLessThan(5);
  });

  it('cancels faults scheduled after healAll', async () => {
    const log: string[] = [];
    const nemesis = createNemesis([fault('kill', 'a', 0.2)], resolver({ a: processTarget(log) }));
    const now = systemClock.nowUs();
    nemesis.start(now, now);
    await nemesis.healAll();
    await systemClock.sleep(300);
    expect(log).toEqual([]);
    expect(nemesis.records()).toEqual([]);
  });
});
