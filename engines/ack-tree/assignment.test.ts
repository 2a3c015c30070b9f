import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../core/errors.ts';
import { fanOutTopology, standardTopology } from '../runtime/topology.ts';
import { evenSchedule } from './assignment.ts';

const chain = standardTopology({ source: 2, features: 2, score: 2, sink: 1 });
const ids = (w: { executors: { id: string }[] }) => w.executors.map((e) => e.id);

describe("Storm's even scheduler (topology.workers)", () => {
  it('deals executors in task order (ackers, then components by name) round-robin over the workers', () => {
    // Tasks: __acker ×2, features[0..1], score[0..1], sink[0], source[0..1]; ackers take places 0 and 1.
    const workers = evenSchedule(chain, 2, 2);
    expect(workers.map((w) => w.id)).toEqual(['worker[0]', 'worker[1]']);
    expect(workers.map(ids)).toEqual([
      ['features[0]', 'score[0]', 'sink[0]', 'source[1]'],
      ['features[1]', 'score[1]', 'source[0]'],
    ]);
  });

  it('without ackers (at-most-once) the components start the deal', () => {
    expect(evenSchedule(chain, 2, 0).map(ids)).toEqual([
      ['features[0]', 'score[0]', 'sink[0]', 'source[1]'],
      ['features[1]', 'score[1]', 'source[0]'],
    ]);
    // One acker on three workers: the components' deal starts at the second worker.
    expect(evenSchedule(chain, 3, 1).map(ids)).toEqual([
      ['score[0]', 'source[0]'],
      ['features[0]', 'score[1]', 'source[1]'],
      ['features[1]', 'sink[0]'],
    ]);
  });

  it('one worker runs every executor; as many workers as executors run one each', () => {
    expect(evenSchedule(chain, 1, 1).map(ids)).toEqual([
      ['features[0]', 'features[1]', 'score[0]', 'score[1]', 'sink[0]', 'source[0]', 'source[1]'],
    ]);
    expect(evenSchedule(chain, 7, 7).every((w) => w.executors.length === 1)).toBe(true);
    const fanOut = evenSchedule(fanOutTopology({ source: 2, features: 2, score: 2, sink: 1 }), 3, 3);
    expect(fanOut.flatMap(ids).sort()).toEqual(
      fanOutTopology(chain.parallelism)
        .instances.map((i) => i.id)
        .sort(),
    );
  });

  it('refuses more workers than executors, or none, saying how many fit', () => {
    expect(() => evenSchedule(chain, 8, 8)).toThrow(BadInputError);
    expect(() => evenSchedule(chain, 8, 8)).toThrow(/workers=8 .* 7 executors/);
    expect(() => evenSchedule(chain, 0, 0)).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/workers=0/),
        fix: expect.stringMatching(/give 1 to 7 workers/),
      }),
    );
  });
});
