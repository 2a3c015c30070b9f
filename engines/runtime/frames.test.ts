import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../core/rng.ts';
import {
  encodeFrame,
  encodePayloadFrame,
  type Frame,
  FrameDecoder,
  FrameError,
  FrameKind,
  isHelloBody,
  LENGTH_BYTES,
} from './frames.ts';

function randomFrames(rng: Rng, count: number): Frame[] {
  const alphabet = 'abcxyz0123 é€😀"\\\n';
  const kinds = [FrameKind.DATA, FrameKind.CONTROL, FrameKind.HELLO, 0, 255];
  return Array.from({ length: count }, (_, i) => {
    // Mostly small, some empty-bodied, a few large enough to span many socket-sized chunks.
    const size = i % 97 === 0 ? 50_000 + rng.int(150_000) : rng.int(300);
    let s = '';
    for (let j = 0; j < size; j++) s += alphabet[rng.int(alphabet.length)];
    const kind = kinds[rng.int(kinds.length)]!;
    const body = i % 53 === 0 ? undefined : i % 2 === 0 ? [{ i, s }] : { i, s, n: rng.normal() };
    return { kind, body };
  });
}

/** Cuts `bytes` at random places, with chunk sizes from 1 byte to more than a frame. */
function randomChunks(rng: Rng, bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    const scale = [4, 64, 4096, 200_000][rng.int(4)]!;
    const len = 1 + rng.int(scale);
    out.push(bytes.subarray(at, at + len));
    at += len;
  }
  return out;
}

describe('frame codec', () => {
  it('decodes 1000 frames of random sizes the same under any chunking', () => {
    const rng = createRng('frames');
    const frames = randomFrames(rng, 1000);
    const stream = Buffer.concat(frames.map((f) => encodeFrame(f.kind, f.body)));
    for (let trial = 0; trial < 4; trial++) {
      const decoder = new FrameDecoder();
      const decoded: Frame[] = [];
      for (const chunk of randomChunks(rng.fork(trial), stream)) {
        for (const f of decoder.push(chunk)) decoded.push(f);
      }
      expect(decoded).toEqual(frames);
      expect(decoder.bufferedBytes).toBe(0);
    }
    // One chunk holding everything.
    expect([...new FrameDecoder().push(stream)]).toEqual(frames);
  });

  it('keeps what a consumer did not take when it stops early', () => {
    const stream = Buffer.concat([1, 2, 3].map((i) => encodeFrame(FrameKind.CONTROL, { i })));
    const decoder = new FrameDecoder();
    for (const f of decoder.push(stream)) {
      expect(f.body).toEqual({ i: 1 });
      break;
    }
    expect(decoder.next()?.body).toEqual({ i: 2 });
    expect([...decoder.push(Buffer.alloc(0))].map((f) => f.body)).toEqual([{ i: 3 }]);
    expect(decoder.next()).toBeUndefined();
  });

  it('rejects an oversize frame from its header alone, and stays broken', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    expect([...decoder.push(encodeFrame(FrameKind.DATA, 'x'.repeat(1021)))]).toHaveLength(1); // exactly 1024
    const header = Buffer.alloc(LENGTH_BYTES);
    header.writeUInt32BE(1025, 0);
    const err = (() => {
      try {
        [...decoder.push(header)];
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(FrameError);
    expect((err as FrameError).code).toBe('FRAME_TOO_LARGE');
    expect((err as FrameError).message).toMatch(/1025 bytes exceeds the maximum 1024/);
    expect(() => decoder.next()).toThrow(FrameError);
    expect(() => encodeFrame(FrameKind.DATA, 'x'.repeat(1022), 1024)).toThrow(/more than the maximum 1024/);
  });

  it('rejects frames without a kind or with a body that is not JSON', () => {
    expect(() => [...new FrameDecoder().push(Buffer.alloc(4))]).toThrow(/no kind byte/);
    const bad = encodePayloadFrame(FrameKind.DATA, Buffer.from('{nope'));
    expect(() => [...new FrameDecoder().push(bad)]).toThrow(/not JSON/);
    expect(() => encodeFrame(256, {})).toThrow(/not a byte/);
  });

  it('carries binary bodies through a custom body decoder', () => {
    const payload = Buffer.from([0, 1, 2, 254, 255]);
    const decoder = new FrameDecoder({ decodeBody: (_kind, p) => Buffer.from(p) });
    const [frame] = [...decoder.push(encodePayloadFrame(9, payload))];
    expect(frame?.kind).toBe(9);
    expect(frame?.body).toEqual(payload);
  });

  it('recognises HELLO bodies', () => {
    expect(isHelloBody({ from: 'a', to: 'b', attempt: 0 })).toBe(true);
    expect(isHelloBody({ from: 'a', to: 'b', attempt: -1 })).toBe(false);
    expect(isHelloBody({ from: 'a', attempt: 0 })).toBe(false);
    expect(isHelloBody(null)).toBe(false);
  });
});
