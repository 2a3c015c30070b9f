/**
 * Counter-based random numbers for random-access event generation: the k-th draw for event `id` is a pure hash
 * of (seed, id, k), so `event(id)` needs no generator state and no earlier ids. `createRng` from core is the
 * right tool for anything sequential; building one per event costs a string hash and a warm-up, which is too
 * slow for the ≥ 200k events/s the load generator needs.
 */
import { hashString } from '../../core/rng.ts';

/** Draws for one event; each call advances the draw counter. */
export interface IdDraws {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller, one value per call so the draw count stays fixed). */
  normal(): number;
}

/** murmur3's 32-bit finaliser: avalanches every input bit. */
function mix32(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A 32-bit stream key from a seed and a label, so different uses of one seed draw independent numbers. */
export function streamKey(seed: number, label: string): number {
  return hashString(`${seed}:${label}`);
}

/** Uniform in [0, 1) from a stream key, an id (any non-negative integer below 2^53) and a draw index. */
export function uniformAt(stream: number, id: number, draw: number): number {
  const low = id >>> 0;
  const high = Math.floor(id / 4294967296) >>> 0;
  let h = mix32(stream ^ Math.imul(low, 0x9e3779b1));
  h = mix32(h ^ Math.imul(high + 0x632be5ab, 0x85ebca77));
  h = mix32(h ^ Math.imul(draw + 1, 0xc2b2ae3d));
  return h / 4294967296;
}

/**
 * One event's draws, as an object with methods rather than closures: the generator makes one per event, and at
 * 20000 events/s four closures each (with the `__name` wrapper tsx adds to every named function) were ~4 % of its
 * thread.
 */
class Draws implements IdDraws {
  private draw = 0;
  constructor(
    private readonly stream: number,
    private readonly id: number,
  ) {}
  next(): number {
    return uniformAt(this.stream, this.id, this.draw++);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log stays finite
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

export function drawsFor(stream: number, id: number): IdDraws {
  return new Draws(stream, id);
}
