import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../core/errors.ts';
import { parseEngineOptions } from './options.ts';

const DEFAULTS = { proxied: true, rate: 1 };
const parse = (raw: Record<string, unknown>) =>
  parseEngineOptions('demo', DEFAULTS, raw, (key, value, out) => {
    out[key] = Number(value);
  });

describe('parseEngineOptions', () => {
  it('starts from the defaults, reads proxied itself and hands the rest to the engine', () => {
    expect(parse({})).toEqual(DEFAULTS);
    expect(parse({ proxied: false, rate: '3' })).toEqual({ proxied: false, rate: 3 });
    expect(DEFAULTS).toEqual({ proxied: true, rate: 1 });
  });

  it('refuses unknown keys, naming the known ones, and a proxied that is not a boolean', () => {
    expect(() => parse({ speed: 1 })).toThrow(BadInputError);
    expect(() => parse({ speed: 1 })).toThrow('demo has no option "speed"');
    try {
      parse({ speed: 1 });
    } catch (e) {
      expect((e as BadInputError).fix).toBe('known options: proxied, rate');
    }
    expect(() => parse({ proxied: 'yes' })).toThrow('demo option proxied must be true or false');
  });
});
