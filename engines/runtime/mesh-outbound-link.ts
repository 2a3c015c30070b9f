/**
 * One worker's link to one peer (the sending half of the mesh, see mesh.ts for the delivery semantics): dials
 * the peer's address (or its proxy), says HELLO and waits for the answer, then writes frames; queues behind a
 * full socket buffer, batches records into DATA frames, drops while the peer is unreachable and redials every
 * `reconnectMs`.
 */
import net, { type Socket } from 'node:net';
import {
  encodeFrame,
  encodeJsonFrame,
  FrameDecoder,
  FrameError,
  FrameKind,
  type FrameKindValue,
  type HelloBody,
  isHelloBody,
} from './frames.ts';
import type {
  DropListener,
  DropReason,
  LinkState,
  MeshErrorReporter,
  OutboundLinkStats,
  PeerAddress,
} from './mesh-types.ts';

export interface OutboundLinkOptions {
  /** This worker and its attempt, sent in HELLO. */
  selfId: string;
  attempt: number;
  /** Where to dial the peer; read at every connection attempt (undefined: no address yet, retried later). */
  address(): PeerAddress | undefined;
  /** True once the mesh is closed: no more connections, every send drops. */
  meshClosed(): boolean;
  maxFrameBytes: number;
  maxQueuedFrames: number;
  reconnectMs: number;
  handshakeTimeoutMs: number;
  batchMaxRecords: number;
  /**
   * A batch is also full once its records' JSON reaches this many bytes (Flink's network buffer, a memory segment of
   * 32 KiB by default: a buffer is sent when full, else at the flusher's tick). Records are then serialized as they
   * are added, as Flink's record writer serializes into its buffer, and the frame is built from that JSON. The
   * record that crosses the size goes in the full batch (Flink splits it across two buffers): a frame exceeds the
   * size by less than one record. Undefined: records only.
   */
  batchMaxBytes?: number;
  /** 0: every record is sent at once (Flink's flushAlways); otherwise the mesh's flusher calls `flushPending`. */
  batchFlushMs: number;
  /** The timeout of sends the link makes on its own (a flush by the mesh's flusher). */
  sendTimeoutMs: number | undefined;
  onLinkUp?(peerId: string, attempt: number): void;
  onLinkDown?(peerId: string): void;
  onDrop?: DropListener;
  report: MeshErrorReporter;
}

export interface OutboundLink {
  readonly peerId: string;
  readonly state: LinkState;
  /** The peer's attempt, from its HELLO answer. */
  readonly peerAttempt: number | undefined;
  /** Sends one frame after the records batched so far (see Mesh.send). */
  send(kind: FrameKindValue, body: unknown, timeoutMs: number | undefined): Promise<boolean>;
  /** Adds a record to the current batch (see Mesh.sendBatched). */
  sendBatched(record: unknown, timeoutMs: number | undefined): Promise<boolean>;
  /** Sends the pending batch; false if it was dropped. */
  flush(timeoutMs: number | undefined): Promise<boolean>;
  /** Sends the pending batch, if any, in the background (the periodic flusher's call). */
  flushPending(): void;
  /** Opens the link now if it is idle. */
  dial(): void;
  /** True when the link is open, false after `timeoutMs` or when the mesh closes. */
  whenConnected(timeoutMs: number): Promise<boolean>;
  /** Drops what is queued or batched and closes the socket (the mesh is closing). */
  close(): void;
  stats(): OutboundLinkStats;
}

interface PendingFrame {
  kind: FrameKindValue;
  body: unknown;
  frame: Buffer;
  resolve: (ok: boolean) => void;
  timer: NodeJS.Timeout | undefined;
}

export function createOutboundLink(peerId: string, opts: OutboundLinkOptions): OutboundLink {
  const { selfId, attempt, maxFrameBytes, maxQueuedFrames, reconnectMs, handshakeTimeoutMs } = opts;
  const { batchMaxRecords, batchFlushMs } = opts;
  let state: LinkState = 'idle';
  let socket: Socket | undefined;
  /** The socket corked for the current tick, so that one tick's frames leave in one write. */
  let corkedSocket: Socket | undefined;
  let blocked = false;
  let queue: PendingFrame[] = [];
  let batch: unknown[] = [];
  /** With `batchMaxBytes`: the batch's records as JSON, and their bytes. */
  let batchJson: string[] = [];
  let batchBytes = 0;
  const { batchMaxBytes } = opts;
  let retryTimer: NodeJS.Timeout | undefined;
  const openWaiters = new Set<(open: boolean) => void>();
  let peerAttempt: number | undefined;
  let framesSent = 0;
  let bytesSent = 0;
  let framesDropped = 0;
  let connects = 0;
  let lastError: string | undefined;

  const drop = (kind: FrameKindValue, body: unknown, reason: DropReason) => {
    framesDropped++;
    opts.onDrop?.(peerId, kind, body, reason);
  };

  const dropQueued = (reason: DropReason) => {
    const queued = queue;
    queue = [];
    for (const p of queued) {
      clearTimeout(p.timer);
      drop(p.kind, p.body, reason);
      p.resolve(false);
    }
    if (batch.length > 0) drop(FrameKind.DATA, takeBatch().records, reason);
  };

  /** The pending batch, emptied; `json` is its frame body when the records were serialized as they came. */
  const takeBatch = (): { records: unknown[]; json: string | undefined } => {
    const records = batch;
    const json = batchMaxBytes === undefined ? undefined : `[${batchJson.join(',')}]`;
    batch = [];
    batchJson = [];
    batchBytes = 0;
    return { records, json };
  };

  const writable = (): boolean => state === 'open' && !blocked && socket?.writable === true;

  const write = (frame: Buffer) => {
    const s = socket!;
    if (corkedSocket !== s) {
      corkedSocket = s;
      s.cork();
      process.nextTick(() => {
        if (corkedSocket === s) corkedSocket = undefined;
        s.uncork();
      });
    }
    framesSent++;
    bytesSent += frame.length;
    // false = above the high-water mark: the frame is buffered all the same, later ones wait for 'drain'.
    if (!s.write(frame)) blocked = true;
  };

  const pump = () => {
    while (queue.length > 0 && writable()) {
      const p = queue.shift()!;
      clearTimeout(p.timer);
      write(p.frame);
      p.resolve(true);
    }
  };

  const settleOpenWaiters = (open: boolean) => {
    for (const w of openWaiters) w(open);
    openWaiters.clear();
  };

  const backOff = (reason: DropReason) => {
    state = 'backoff';
    blocked = false;
    dropQueued(reason);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      if (state === 'backoff') connect();
    }, reconnectMs);
    retryTimer.unref();
  };

  const connect = () => {
    if (opts.meshClosed()) return;
    const address = opts.address();
    if (!address) {
      lastError = 'no address';
      backOff('unreachable');
      return;
    }
    state = 'connecting';
    connects++;
    const conn = net.connect({ host: address.host, port: address.port });
    socket = conn;
    conn.setNoDelay(true);
    const decoder = new FrameDecoder({ maxFrameBytes });
    let open = false;
    const handshakeTimer = setTimeout(() => {
      lastError = `no HELLO answer within ${handshakeTimeoutMs} ms`;
      conn.destroy();
    }, handshakeTimeoutMs);
    handshakeTimer.unref();

    conn.on('connect', () => {
      const hello: HelloBody = { from: selfId, attempt, to: peerId };
      conn.write(encodeFrame(FrameKind.HELLO, hello, maxFrameBytes));
    });
    conn.on('data', (chunk: Buffer) => {
      if (open) return; // the accepting side writes nothing after its HELLO
      try {
        const answer = decoder.push(chunk).next();
        if (answer.done) return;
        const hello = answer.value.body;
        if (
          answer.value.kind !== FrameKind.HELLO ||
          !isHelloBody(hello) ||
          hello.from !== peerId ||
          hello.to !== selfId
        ) {
          throw new FrameError(
            'BAD_FRAME',
            `expected HELLO from ${peerId} to ${selfId}, got kind ${answer.value.kind}: ${JSON.stringify(hello)}`,
          );
        }
        open = true;
        clearTimeout(handshakeTimer);
        state = 'open';
        peerAttempt = Math.max(peerAttempt ?? hello.attempt, hello.attempt);
        lastError = undefined;
        opts.onLinkUp?.(peerId, hello.attempt);
        settleOpenWaiters(true);
        pump();
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e);
        opts.report(e, { where: 'outbound', peerId });
        conn.destroy();
      }
    });
    conn.on('drain', () => {
      if (socket !== conn) return;
      blocked = false;
      pump();
    });
    conn.on('error', (e) => {
      lastError = e.message;
    });
    conn.on('close', () => {
      clearTimeout(handshakeTimer);
      if (socket !== conn) return;
      socket = undefined;
      if (opts.meshClosed()) return;
      backOff(open ? 'connection-lost' : 'unreachable');
      if (open) opts.onLinkDown?.(peerId);
    });
  };

  /** Encodes and sends, or queues, or drops. Assumes any pending batch has been dealt with. */
  const sendFrame = (
    kind: FrameKindValue,
    body: unknown,
    timeoutMs: number | undefined,
    json?: string,
  ): Promise<boolean> => {
    let frame: Buffer;
    try {
      frame =
        json === undefined
          ? encodeFrame(kind, body, maxFrameBytes)
          : encodeJsonFrame(kind, json, maxFrameBytes);
    } catch (e) {
      return Promise.reject(e);
    }
    if (state === 'idle') connect();
    if (state === 'closed' || state === 'backoff') {
      drop(kind, body, state === 'closed' ? 'closed' : 'unreachable');
      return Promise.resolve(false);
    }
    if (queue.length === 0 && writable()) {
      write(frame);
      return Promise.resolve(true);
    }
    if (queue.length >= maxQueuedFrames) {
      drop(kind, body, 'overflow');
      return Promise.resolve(false);
    }
    return new Promise<boolean>((resolve) => {
      const pending: PendingFrame = { kind, body, frame, resolve, timer: undefined };
      if (timeoutMs !== undefined) {
        pending.timer = setTimeout(() => {
          const i = queue.indexOf(pending);
          if (i < 0) return;
          queue.splice(i, 1);
          drop(kind, body, 'timeout');
          resolve(false);
        }, timeoutMs);
      }
      queue.push(pending);
    });
  };

  const flushBatch = (timeoutMs: number | undefined): Promise<boolean> => {
    if (batch.length === 0) return Promise.resolve(true);
    const { records, json } = takeBatch();
    return sendFrame(FrameKind.DATA, records, timeoutMs, json).catch((e: unknown) => {
      drop(FrameKind.DATA, records, 'too-large');
      throw e;
    });
  };

  const flushInBackground = () => {
    flushBatch(opts.sendTimeoutMs).catch((e: unknown) => opts.report(e, { where: 'outbound', peerId }));
  };

  return {
    peerId,
    get state() {
      return state;
    },
    get peerAttempt() {
      return peerAttempt;
    },

    send: (kind, body, timeoutMs) => {
      if (opts.meshClosed()) {
        drop(kind, body, 'closed');
        return Promise.resolve(false);
      }
      if (batch.length > 0) flushInBackground();
      return sendFrame(kind, body, timeoutMs);
    },

    sendBatched: (record, timeoutMs) => {
      if (state === 'idle') connect();
      const closed = opts.meshClosed();
      if (closed || state === 'backoff' || state === 'closed') {
        drop(FrameKind.DATA, [record], closed ? 'closed' : 'unreachable');
        return Promise.resolve(false);
      }
      batch.push(record);
      if (batchMaxBytes !== undefined) {
        const json = JSON.stringify(record);
        batchJson.push(json);
        batchBytes += Buffer.byteLength(json, 'utf8') + 1;
      }
      if (
        batch.length >= batchMaxRecords ||
        (batchMaxBytes !== undefined && batchBytes >= batchMaxBytes) ||
        batchFlushMs <= 0
      )
        return flushBatch(timeoutMs);
      return Promise.resolve(true);
    },

    flush: flushBatch,

    flushPending: () => {
      if (batch.length > 0) flushInBackground();
    },

    dial: () => {
      if (state === 'idle') connect();
    },

    whenConnected: (timeoutMs) => {
      if (state === 'open') return Promise.resolve(true);
      if (opts.meshClosed()) return Promise.resolve(false);
      if (state === 'idle') connect();
      return new Promise<boolean>((resolve) => {
        const waiter = (open: boolean) => {
          clearTimeout(timer);
          resolve(open);
        };
        const timer = setTimeout(() => {
          openWaiters.delete(waiter);
          resolve(false);
        }, timeoutMs);
        openWaiters.add(waiter);
      });
    },

    close: () => {
      clearTimeout(retryTimer);
      state = 'closed';
      dropQueued('closed');
      settleOpenWaiters(false);
      socket?.destroy();
      socket = undefined;
    },

    stats: () => ({
      peerId,
      state,
      peerAttempt,
      blocked,
      queuedFrames: queue.length,
      batchedRecords: batch.length,
      framesSent,
      bytesSent,
      framesDropped,
      connects,
      lastError,
    }),
  };
}
