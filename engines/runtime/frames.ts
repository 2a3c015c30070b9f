/**
 * The wire format of the links between workers: `u32 BE length of the rest` + `u8 kind` + body.
 *
 * Every engine's worker-to-worker traffic (records, acks, barriers, window markers) travels in these frames,
 * one TCP connection per directed pair of workers (see mesh.ts). Bodies are UTF-8 JSON by default, but the
 * codec itself is byte-oriented: `encodePayloadFrame` and the decoder's `decodeBody` hook let a kind carry a
 * binary body instead.
 *
 * A DATA frame carries a batch: its body is an array of records (the network buffer of Flink, the transfer
 * batch of Storm), so per-record framing overhead is optional.
 */

export const FrameKind = {
  /** First frame on a connection, in both directions: `HelloBody`. */
  HELLO: 1,
  /** Records: the body is an array of records. */
  DATA: 2,
  /** Protocol messages (acks, barriers, window markers): the engine defines the body. */
  CONTROL: 3,
} as const;

/** A kind byte, 0..255. The constants above are the ones the mesh knows; engines may add their own. */
export type FrameKindValue = number;

export interface HelloBody {
  /** Worker id of the sender of this HELLO. */
  from: string;
  /** Its attempt number (0 on the first start, +1 on every restart). */
  attempt: number;
  /** The worker it meant to reach: catches a proxy or port that leads to the wrong worker. */
  to: string;
}

export interface Frame {
  kind: FrameKindValue;
  body: unknown;
}

/** Bytes before the kind: the u32 length. */
export const LENGTH_BYTES = 4;
/** Largest accepted value of the length field (kind + body), unless configured otherwise. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

export type FrameErrorCode = 'FRAME_TOO_LARGE' | 'BAD_FRAME';

/**
 * A frame that cannot be encoded or decoded. Never retriable: the connection that carried it is out of sync
 * and must be closed. (Kept here rather than in core/errors.ts because it is internal to the worker links.)
 */
export class FrameError extends Error {
  readonly code: FrameErrorCode;
  readonly retriable = false;
  constructor(code: FrameErrorCode, message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'FrameError';
    this.code = code;
  }
}

/** A frame whose body is given as bytes. */
export function encodePayloadFrame(
  kind: FrameKindValue,
  payload: Uint8Array,
  maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
): Buffer {
  const out = allocFrame(kind, payload.length, maxFrameBytes);
  out.set(payload, LENGTH_BYTES + 1);
  return out;
}

/** A frame whose body is `body` as UTF-8 JSON (`undefined` gives an empty body). */
export function encodeFrame(
  kind: FrameKindValue,
  body: unknown,
  maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
): Buffer {
  const json = body === undefined ? undefined : JSON.stringify(body);
  if (json === undefined) return allocFrame(kind, 0, maxFrameBytes);
  return encodeJsonFrame(kind, json, maxFrameBytes);
}

/** A frame whose body is `json`, already serialized (read back with `decodeJsonBody`). */
export function encodeJsonFrame(
  kind: FrameKindValue,
  json: string,
  maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
): Buffer {
  // The JSON goes straight behind the header: no intermediate Buffer.
  const out = allocFrame(kind, Buffer.byteLength(json, 'utf8'), maxFrameBytes);
  out.write(json, LENGTH_BYTES + 1, 'utf8');
  return out;
}

/** A frame buffer with its header written and room for `bodyBytes`. */
function allocFrame(kind: FrameKindValue, bodyBytes: number, maxFrameBytes: number): Buffer {
  if (!Number.isInteger(kind) || kind < 0 || kind > 255) {
    throw new FrameError('BAD_FRAME', `frame kind ${kind} is not a byte`);
  }
  const length = 1 + bodyBytes;
  if (length > maxFrameBytes) {
    throw new FrameError(
      'FRAME_TOO_LARGE',
      `frame of kind ${kind} is ${length} bytes, more than the maximum ${maxFrameBytes}`,
    );
  }
  const out = Buffer.allocUnsafe(LENGTH_BYTES + length);
  out.writeUInt32BE(length, 0);
  out[LENGTH_BYTES] = kind;
  return out;
}

/** The default body decoding: UTF-8 JSON, an empty body being `undefined`. */
export function decodeJsonBody(kind: FrameKindValue, payload: Buffer): unknown {
  if (payload.length === 0) return undefined;
  try {
    return JSON.parse(payload.toString('utf8'));
  } catch (e) {
    throw new FrameError('BAD_FRAME', `frame of kind ${kind} has a body that is not JSON`, { cause: e });
  }
}

export interface FrameDecoderOptions {
  maxFrameBytes?: number;
  /** Turns a body's bytes into a value; the default parses JSON. `payload` may share memory with the input. */
  decodeBody?: (kind: FrameKindValue, payload: Buffer) => unknown;
}

/**
 * Streaming decoder: feed it chunks as they come off a socket, with any boundaries, and it gives back whole
 * frames. Chunks are kept as a list and joined only when a frame spans them, so a large frame arriving in
 * many small chunks costs one copy, not one per chunk.
 *
 * After a FrameError the decoder is broken for good (the stream is out of sync) and rethrows it.
 */
export class FrameDecoder {
  private readonly maxFrameBytes: number;
  private readonly decodeBody: (kind: FrameKindValue, payload: Buffer) => unknown;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length field of the frame being assembled, once its header has been read. */
  private length: number | undefined;
  private failure: FrameError | undefined;

  constructor(opts: FrameDecoderOptions = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.decodeBody = opts.decodeBody ?? decodeJsonBody;
  }

  /** Bytes received but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Appends `chunk` and yields every frame now complete. Breaking out of the loop early is safe: the rest
   * stays buffered and comes out of the next `push` or `next`.
   */
  *push(chunk: Uint8Array): Generator<Frame, void, undefined> {
    if (chunk.length > 0) {
      this.chunks.push(
        Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length),
      );
      this.buffered += chunk.length;
    }
    for (;;) {
      const frame = this.next();
      if (frame === undefined) return;
      yield frame;
    }
  }

  /** The next complete frame, or undefined until more bytes arrive. Throws FrameError on a bad frame. */
  next(): Frame | undefined {
    if (this.failure) throw this.failure;
    if (this.length === undefined) {
      if (this.buffered < LENGTH_BYTES) return undefined;
      const length = this.take(LENGTH_BYTES).readUInt32BE(0);
      if (length === 0) return this.fail(new FrameError('BAD_FRAME', 'frame of length 0 has no kind byte'));
      // Rejected on the header alone: never buffer 4 GiB because a peer (or a corrupted stream) said so.
      if (length > this.maxFrameBytes) {
        return this.fail(
          new FrameError(
            'FRAME_TOO_LARGE',
            `frame of ${length} bytes exceeds the maximum ${this.maxFrameBytes}`,
          ),
        );
      }
      this.length = length;
    }
    if (this.buffered < this.length) return undefined;
    const bytes = this.take(this.length);
    this.length = undefined;
    const kind = bytes[0]!;
    try {
      return { kind, body: this.decodeBody(kind, bytes.subarray(1)) };
    } catch (e) {
      return this.fail(
        e instanceof FrameError
          ? e
          : new FrameError('BAD_FRAME', `frame of kind ${kind}: ${e}`, { cause: e }),
      );
    }
  }

  private fail(e: FrameError): never {
    this.failure = e;
    this.chunks = [];
    this.buffered = 0;
    throw e;
  }

  /** Removes and returns the first `n` buffered bytes (n ≤ buffered). */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0]!;
      const used = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, used);
      filled += used;
      if (used === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(used);
    }
    return out;
  }
}

/** Type guard for a HELLO body as it comes off the wire. */
export function isHelloBody(body: unknown): body is HelloBody {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return (
    typeof b.from === 'string' &&
    typeof b.to === 'string' &&
    typeof b.attempt === 'number' &&
    Number.isInteger(b.attempt) &&
    b.attempt >= 0
  );
}
