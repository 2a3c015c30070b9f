import { describe, expect, it } from 'vitest';
import { BadInputError } from '../core/errors.ts';
import type { FaultSpec } from '../core/types.ts';
import type { ProcessControl } from '../engines/types.ts';
import { validateFaults } from './faults.ts';
import { matchLinks, type TargetResolver } from './targets.ts';

const local: ProcessControl = { kill: async () => {}, pause: async () => {}, resume: async () => {} };
const container: ProcessControl = { ...local, disconnect: async () => async () => {} };
const resolver: TargetResolver = {
  processes: () => ({ 'features[0]': 101, 'features[1]': 102, coordinator: 100 }),
  links: () => ({
    'link:source[0]->features[0]': 'run~link:source[0]->features[0]',
    'link:source[0]->features[1]': 'run~link:source[0]->features[1]',
    'link:features[1]->redis': 'run~link:features[1]->redis',
  }),
  controls: () => ({ 'features[0]': local, 'features[1]': container, coordinator: local }),
  toxiproxyApi: 'http://127.0.0.1:1',
  services: async () => {},
};
const fault = (f: Partial<FaultSpec>): FaultSpec => ({
  kind: 'kill',
  target: 'features[1]',
  at: 1,
  params: {},
  ...f,
});
const message = (faults: FaultSpec[]) => {
  try {
    validateFaults(faults, resolver);
  } catch (e) {
    expect(e).toBeInstanceOf(BadInputError);
    return (e as BadInputError).message;
  }
  return 'valid';
};

describe('fault validation', () => {
  it('accepts process, link (with globs) and service faults', () => {
    expect(
      message([
        fault({}),
        fault({ kind: 'kill', target: 'coordinator' }),
        fault({ kind: 'pause', for: 3 }),
        fault({
          kind: 'latency',
          target: 'link:source[0]->*',
          for: 5,
          params: { latency: 50, stream: 'both' },
        }),
        fault({ kind: 'partition', target: 'link:*->redis', for: 5 }),
        fault({ kind: 'redis-outage', target: 'redis', for: 5 }),
      ]),
    ).toBe('valid');
  });

  it('names an unknown kind, target, parameter, or a missing duration', () => {
    expect(message([fault({ kind: 'meteor' })])).toContain('unknown fault kind "meteor"');
    expect(message([fault({ target: 'features[7]' })])).toContain(
      'unknown target "features[7]" (known: features[0], features[1], coordinator)',
    );
    expect(message([fault({ kind: 'latency', target: 'link:sink[0]->*', for: 2 })])).toContain(
      'no link matches "link:sink[0]->*"',
    );
    expect(
      message([fault({ kind: 'latency', target: 'link:*->redis', for: 2, params: { lag: 5 } })]),
    ).toContain('unknown parameter "lag"');
    expect(message([fault({ kind: 'pause' })])).toContain('a pause fault needs a duration');
    expect(message([fault({ kind: 'redis-outage', target: 'mysql', for: 1 })])).toContain(
      'unknown service "mysql"',
    );
    expect(
      message([fault({ kind: 'latency', target: 'link:*->redis', for: 2, params: { toxicity: 3 } })]),
    ).toContain('toxicity must be between 0 and 1');
  });

  it('disconnect needs a container: accepted for one, refused for a local process', () => {
    expect(message([fault({ kind: 'disconnect', target: 'features[1]', for: 2 })])).toBe('valid');
    expect(message([fault({ kind: 'disconnect', target: 'features[0]', for: 2 })])).toContain(
      'run with --provider docker',
    );
  });

  it('link globs match whole names only', () => {
    const links = Object.keys(resolver.links());
    expect(matchLinks('link:source[0]->*', links)).toEqual([
      'link:source[0]->features[0]',
      'link:source[0]->features[1]',
    ]);
    expect(matchLinks('link:*->redis', links)).toEqual(['link:features[1]->redis']);
    expect(matchLinks('link:source[0]->features[1]', links)).toEqual(['link:source[0]->features[1]']);
    expect(matchLinks('source', links)).toEqual([]);
  });
});
