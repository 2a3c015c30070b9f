/**
 * What every engine's option parser does the same way: start from the engine's defaults (the real system's),
 * refuse a key it does not know (naming the ones it does), and read `proxied` (route every link through its
 * own Toxiproxy proxy). The engine parses the rest, one key at a time.
 */
import { BadInputError } from '../../core/errors.ts';

export function parseEngineOptions<O extends { proxied: boolean }>(
  engine: string,
  defaults: O,
  raw: Record<string, unknown>,
  parseOne: (key: Exclude<keyof O & string, 'proxied'>, value: unknown, out: O) => void,
): O {
  const out: O = { ...defaults };
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in defaults)) {
      throw new BadInputError(`${engine} has no option "${key}"`, {
        fix: `known options: ${Object.keys(defaults).join(', ')}`,
      });
    }
    if (key === 'proxied') {
      if (typeof value !== 'boolean')
        throw new BadInputError(`${engine} option proxied must be true or false`);
      out.proxied = value;
      continue;
    }
    parseOne(key as Exclude<keyof O & string, 'proxied'>, value, out);
  }
  return out;
}

/** A duration for a horizon's text: "2 s", "0.5 s". */
export const secondsText = (ms: number): string => `${Number((ms / 1000).toFixed(2))} s`;
