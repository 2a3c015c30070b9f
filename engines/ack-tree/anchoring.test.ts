import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../core/rng.ts';
import {
  ackerFor,
  ackMessages,
  ackValue,
  boltOutput,
  decodeId,
  decodeMessageId,
  encodeId,
  encodeMessageId,
  failMessages,
  newEdge,
  spoutEmit,
  U64_MAX,
} from './anchoring.ts';

/** An Rng whose u64() returns the given values in order. */
function scriptedRng(...values: bigint[]): Rng {
  return { ...createRng(0), u64: () => values.shift() ?? 99n };
}

describe('ids', () => {
  it('never draws a zero edge', () => {
    expect(newEdge(scriptedRng(0n, 0n, 5n))).toBe(5n);
  });

  it('draws the root first, then one edge per destination; init value = XOR of the edges', () => {
    const e = spoutEmit(scriptedRng(0x10n, 0b0011n, 0b0101n, 0b1001n), 3);
    expect(e.root).toBe(0x10n);
    expect(e.edges).toEqual([0b0011n, 0b0101n, 0b1001n]);
    expect(e.initVal).toBe(0b1111n);
    expect(e.messageIds).toEqual([
      [{ root: 0x10n, edge: 0b0011n }],
      [{ root: 0x10n, edge: 0b0101n }],
      [{ root: 0x10n, edge: 0b1001n }],
    ]);
  });

  it('with no destinations, the init value is 0 (the acker acks at once)', () => {
    const e = spoutEmit(createRng(1), 0);
    expect(e.edges).toEqual([]);
    expect(e.initVal).toBe(0n);
  });

  it('is reproducible from the seed and stays within 64 bits', () => {
    const a = spoutEmit(createRng('seed'), 4);
    const b = spoutEmit(createRng('seed'), 4);
    expect(a).toEqual(b);
    for (const id of [a.root, ...a.edges]) expect(id > 0n && id <= U64_MAX).toBe(true);
  });
});

describe('boltOutput', () => {
  it('draws a fresh edge per output per anchor and accumulates each anchor’s children XOR', () => {
    const input = [{ root: 7n, edge: 0b1n }];
    const out = boltOutput(scriptedRng(0b10n, 0b100n), input, 2);
    expect(out.messageIds).toEqual([[{ root: 7n, edge: 0b10n }], [{ root: 7n, edge: 0b100n }]]);
    expect(out.childrenXor).toEqual([0b110n]);
    expect(ackMessages(input, out.childrenXor)).toEqual([{ root: 7n, val: 0b111n }]);
    expect(ackValue(0b1n, 0b110n)).toBe(0b111n);
  });

  it('anchored to several inputs of the same root (a join), merges their edges under that root', () => {
    const anchors = [
      { root: 7n, edge: 1n },
      { root: 9n, edge: 2n },
      { root: 7n, edge: 4n },
    ];
    const out = boltOutput(scriptedRng(0x10n, 0x20n, 0x40n), anchors, 1);
    expect(out.messageIds).toEqual([
      [
        { root: 7n, edge: 0x50n },
        { root: 9n, edge: 0x20n },
      ],
    ]);
    expect(out.childrenXor).toEqual([0x10n, 0x20n, 0x40n]);
  });

  it('with no outputs or no anchors, draws nothing', () => {
    const rng = scriptedRng(1n);
    expect(boltOutput(rng, [{ root: 1n, edge: 2n }], 0)).toEqual({ messageIds: [], childrenXor: [0n] });
    expect(boltOutput(rng, [], 2)).toEqual({ messageIds: [[], []], childrenXor: [] });
    expect(rng.u64()).toBe(1n);
  });

  it('acks a leaf with its own edge, and fails once per distinct root', () => {
    const input = [
      { root: 3n, edge: 0xan },
      { root: 4n, edge: 0xbn },
    ];
    expect(ackMessages(input)).toEqual([
      { root: 3n, val: 0xan },
      { root: 4n, val: 0xbn },
    ]);
    expect(failMessages([...input, { root: 3n, edge: 1n }])).toEqual([3n, 4n]);
    expect(ackMessages([])).toEqual([]);
  });

  it('rejects negative or fractional counts', () => {
    expect(() => spoutEmit(createRng(1), -1)).toThrow(RangeError);
    expect(() => boltOutput(createRng(1), [], 1.5)).toThrow(RangeError);
  });
});

describe('ackerFor', () => {
  it('matches Storm’s fields grouping: floorMod(31 + Long.hashCode(root), ackers)', () => {
    expect(ackerFor(1n, 3)).toBe(2); // 31 + 1 = 32
    expect(ackerFor(U64_MAX, 3)).toBe(1); // -1L: hash 0 → 31
    expect(ackerFor(1n << 63n, 3)).toBe(2); // Long.MIN_VALUE: hash -2^31 → 31 - 2^31 (negative) → floorMod 2
    expect(ackerFor(0x1234_5678_0000_0001n, 1000)).toBe((31 + (0x12345678 ^ 1)) % 1000);
    expect(ackerFor(42n, 1)).toBe(0);
  });

  it('stays in range and spreads roots over the ackers', () => {
    const rng = createRng(7);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 400; i++) counts[ackerFor(newEdge(rng), 4)]!++;
    expect(counts.every((c) => c > 60)).toBe(true);
    expect(() => ackerFor(1n, 0)).toThrow(RangeError);
  });
});

describe('wire encoding', () => {
  it('encodes ids as 16 lowercase hex digits and decodes them back', () => {
    expect(encodeId(0n)).toBe('0000000000000000');
    expect(encodeId(U64_MAX)).toBe('ffffffffffffffff');
    expect(encodeId(0xabcn)).toBe('0000000000000abc');
    const rng = createRng(3);
    for (let i = 0; i < 100; i++) {
      const id = rng.u64();
      expect(decodeId(encodeId(id))).toBe(id);
    }
  });

  it('rejects what is not an id', () => {
    expect(() => encodeId(-1n)).toThrow(RangeError);
    expect(() => encodeId(U64_MAX + 1n)).toThrow(RangeError);
    for (const bad of [
      'abc',
      'FFFFFFFFFFFFFFFF',
      '0x00000000000000',
      '00000000000000000',
      12,
      null,
      undefined,
    ]) {
      expect(() => decodeId(bad)).toThrow(TypeError);
    }
  });

  it('round-trips a MessageId through JSON', () => {
    const m = [
      { root: U64_MAX, edge: 1n },
      { root: 2n, edge: 0x8000_0000_0000_0000n },
    ];
    expect(decodeMessageId(JSON.parse(JSON.stringify(encodeMessageId(m))))).toEqual(m);
    expect(decodeMessageId([])).toEqual([]);
  });

  it('rejects malformed MessageIds and repeated roots', () => {
    const r = encodeId(5n);
    expect(() => decodeMessageId({})).toThrow(TypeError);
    expect(() => decodeMessageId([null])).toThrow(TypeError);
    expect(() => decodeMessageId([{ root: r }])).toThrow(TypeError);
    expect(() =>
      decodeMessageId([
        { root: r, edge: r },
        { root: r, edge: r },
      ]),
    ).toThrow(/twice/);
  });
});
