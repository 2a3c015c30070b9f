/**
 * The links between one worker and its peers: one TCP connection per directed pair of workers
 * (`link:source[0]->features[1]`), carrying length-prefixed frames (frames.ts). The sender dials the address
 * its config gives for the peer, which may be a Toxiproxy proxy, so a link can be cut or slowed on its own.
 *
 * Handshake: the dialling side writes HELLO {from, attempt, to}; the accepting side checks `to`, answers with
 * its own HELLO, and from then on only the dialling side writes. The link counts as connected when the answer
 * arrives, so a proxy that accepts while its upstream is down does not look like a live peer. Both sides learn
 * the other's attempt number, which is how a restarted worker is recognised.
 *
 * Delivery semantics, which every engine builds on (Storm's netty transport behaves the same way):
 * - At most once per send. While a peer is unreachable (refused, reset, no HELLO answer, backing off between
 *   reconnects) frames sent to it are DROPPED: `send` resolves false and `onDrop` is told. Nothing is kept for
 *   later delivery.
 * - `send` resolving true means "handed to the socket", not "delivered". Frames still in the socket's or the
 *   kernel's buffers when a connection dies are lost without notice; frames still waiting in the mesh's own
 *   queue at that moment are dropped with `onDrop(…, 'connection-lost')`.
 * - Order is kept per link: frames from one sender arrive in send order, and `onMessage` sees them one at a
 *   time (the next frame of a peer waits until the handler's promise settles). Different peers interleave.
 *
 * Back-pressure: a sender whose socket buffer is above its high-water mark queues further frames (bounded by
 * `maxQueuedFrames`) and `send` waits for 'drain'; a receiver with more than `inboundHighWater` frames
 * received but not yet handled stops reading that socket until it is down to `inboundLowWater`. So a slow or
 * paused receiver fills TCP buffers and then slows its sender, rather than growing memory. A per-send
 * `timeoutMs` bounds the wait for a peer that is stopped (SIGSTOP), after which the frame is dropped.
 */
import net, { type AddressInfo, type Server } from 'node:net';
import { InternalError, PortInUseError } from '../../core/errors.ts';
import { DEFAULT_MAX_FRAME_BYTES, type FrameKindValue } from './frames.ts';
import { createInboundLanes } from './mesh-inbound-lanes.ts';
import { createOutboundLink, type OutboundLink } from './mesh-outbound-link.ts';
import type {
  DropReason,
  InboundLinkStats,
  MeshErrorReporter,
  MeshErrorSite,
  OutboundLinkStats,
  PeerAddress,
} from './mesh-types.ts';
import { type OutputFlusher, startOutputFlusher } from './output-flusher.ts';

export type {
  DropReason,
  InboundLinkStats,
  LinkState,
  MeshErrorSite,
  OutboundLinkStats,
  PeerAddress,
} from './mesh-types.ts';

export interface MeshOptions {
  /** This worker, e.g. `features[1]`. */
  selfId: string;
  /** This worker's attempt number, sent in HELLO. */
  attempt: number;
  /** Port to accept links on; 0 picks a free one (see `address()`). */
  listenPort: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /**
   * Where to dial each peer (the peer itself or its proxy). Read at every connection attempt, so entries may
   * be added or changed after the mesh is created.
   */
  peers: ReadonlyMap<string, PeerAddress>;
  /** A frame from `from`. Frames of one peer are handled one at a time, in order: a returned promise is awaited. */
  onMessage(from: string, kind: FrameKindValue, body: unknown): void | Promise<void>;
  /**
   * A peer opened its link to us (fires on every new connection: a higher `attempt` than before means the peer
   * restarted). A new connection from the same peer replaces the old one, which is closed. Called in order with
   * the peer's frames: after every frame of the previous connection was handled, before the first of this one.
   */
  onPeerUp?(peerId: string, attempt: number): void;
  /** The peer's link to us closed and no newer connection replaced it. */
  onPeerDown?(peerId: string): void;
  /** Our link to the peer completed its handshake; `attempt` is the peer's. */
  onLinkUp?(peerId: string, attempt: number): void;
  /** Our open link to the peer closed; the mesh keeps reconnecting every `reconnectMs`. */
  onLinkDown?(peerId: string): void;
  /** A frame was dropped instead of sent. For DATA from `sendBatched`, `body` is the array of records. */
  onDrop?(peerId: string, kind: FrameKindValue, body: unknown, reason: DropReason): void;
  /**
   * A protocol error (bad or oversize frame, wrong HELLO: the connection is closed) or a throwing `onMessage`
   * (processing goes on with the next frame). Default: one line on stderr. Ordinary connection failures are
   * not errors; they show in `stats()`.
   */
  onError?(err: Error, ctx: { where: MeshErrorSite; peerId?: string }): void;
  /** Frames one link may hold waiting for 'drain' or for its connection; beyond it sends drop. Default 1024. */
  maxQueuedFrames?: number;
  /** Delay between connection attempts to a peer that is down. Default 200 ms. */
  reconnectMs?: number;
  /** Time allowed for TCP connect plus HELLO answer (and for an inbound HELLO). Default 2000 ms. */
  handshakeTimeoutMs?: number;
  /** Default `timeoutMs` of every send; undefined = wait for 'drain' as long as the connection lives. */
  sendTimeoutMs?: number;
  /** Frames received from one peer and not yet handled above which its socket is paused. Default 128. */
  inboundHighWater?: number;
  /** ... and below which it is resumed. Default a quarter of the high water. */
  inboundLowWater?: number;
  /** Largest frame accepted or sent (length field). Default 16 MiB. */
  maxFrameBytes?: number;
  /** Batching of `sendBatched` (the network buffer of Flink). */
  batch?: {
    /** Records per DATA frame at most; a full batch is sent at once. Default 512. */
    maxRecords?: number;
    /** A batch is also full at this many bytes of JSON (Flink's buffer size; see mesh-outbound-link.ts). */
    maxBytes?: number;
    /**
     * Flink's buffer timeout (default 100 ms there and here): every this often one flusher sends every peer's
     * pending batch, whatever its age (see output-flusher.ts); 0 sends every record in its own frame at once.
     */
    flushMs?: number;
  };
}

export interface SendOptions {
  /** Give up (drop, resolve false) if the frame is not handed to the socket within this time. */
  timeoutMs?: number;
}

export interface MeshStats {
  selfId: string;
  attempt: number;
  outbound: OutboundLinkStats[];
  inbound: InboundLinkStats[];
  /** Inbound connections refused: bad HELLO, wrong `to`, or an attempt older than one already seen (fenced). */
  rejectedConnections: number;
}

export interface Mesh extends AsyncDisposable {
  /** Starts accepting links. Rejects with PortInUseError if the port is taken. */
  listen(): Promise<void>;
  /** Where the mesh listens (after `listen`). */
  address(): PeerAddress;
  /**
   * Sends one frame. Resolves true once it is handed to the socket, false if it was dropped (see DropReason).
   * Records still batched for the peer go out first, so a CONTROL frame never overtakes earlier records.
   * Rejects only on a programming error: unknown peer, or a body larger than `maxFrameBytes`.
   */
  send(peerId: string, kind: FrameKindValue, body: unknown, opts?: SendOptions): Promise<boolean>;
  /**
   * Adds a record to the peer's current batch, sent as one DATA frame whose body is the array of records when
   * it is full or at the flusher's next tick (every `batch.flushMs`). Resolves true at once while the batch has room; the
   * record that fills it waits for that batch's send, which is where back-pressure applies. Resolves false
   * (and reports the drop) if the peer is unreachable now; a later drop of the batch goes to `onDrop`.
   */
  sendBatched(peerId: string, record: unknown, opts?: SendOptions): Promise<boolean>;
  /** Sends the pending batch of one peer (or of all); resolves false if any was dropped. */
  flush(peerId?: string, opts?: SendOptions): Promise<boolean>;
  /** Opens the link to a peer now instead of at the first send. */
  dial(peerId: string): void;
  /** Dials the peer and resolves true when the link is open, false after `timeoutMs`. */
  whenConnected(peerId: string, timeoutMs: number): Promise<boolean>;
  /** Our link to the peer is open (its HELLO answer arrived and the connection has not closed since). */
  connected(peerId: string): boolean;
  /** The newest attempt number heard from the peer on either link, if any. */
  peerAttempt(peerId: string): number | undefined;
  stats(): MeshStats;
  /** Closes the server and every connection; queued frames and batches are dropped. Idempotent. */
  close(): Promise<void>;
}

export function createMesh(opts: MeshOptions): Mesh {
  const {
    selfId,
    attempt,
    listenPort,
    host = '127.0.0.1',
    peers,
    maxQueuedFrames = 1024,
    reconnectMs = 200,
    handshakeTimeoutMs = 2000,
    inboundHighWater = 128,
    maxFrameBytes = DEFAULT_MAX_FRAME_BYTES,
  } = opts;
  const inboundLowWater = opts.inboundLowWater ?? Math.floor(inboundHighWater / 4);
  const batchMaxRecords = opts.batch?.maxRecords ?? 512;
  const batchFlushMs = opts.batch?.flushMs ?? 100;
  const batchMaxBytes = opts.batch?.maxBytes;
  if (!(inboundLowWater < inboundHighWater) || inboundLowWater < 0) {
    throw new InternalError(
      `mesh ${selfId}: inboundLowWater (${inboundLowWater}) must be ≥ 0 and below inboundHighWater (${inboundHighWater})`,
    );
  }
  if (batchMaxRecords < 1 || maxQueuedFrames < 0 || (batchMaxBytes !== undefined && !(batchMaxBytes >= 1))) {
    throw new InternalError(
      `mesh ${selfId}: batch.maxRecords and batch.maxBytes must be ≥ 1 and maxQueuedFrames ≥ 0`,
    );
  }

  const links = new Map<string, OutboundLink>();
  // Started by the first batched record: a mesh that never batches (controls, other engines) needs no timer.
  let flusher: OutputFlusher | undefined;
  const startFlusher = () => {
    flusher ??= startOutputFlusher(batchFlushMs, () => {
      for (const link of links.values()) link.flushPending();
    });
  };
  let listening = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  const meshClosed = () => closed;

  const report: MeshErrorReporter = (err, ctx) => {
    const e = err instanceof Error ? err : new Error(String(err));
    if (opts.onError) {
      try {
        opts.onError(e, ctx);
      } catch {
        // an error handler that throws must not take the link machinery down with it
      }
    } else {
      console.error(`[mesh ${selfId}] ${ctx.where}${ctx.peerId ? ` ${ctx.peerId}` : ''}: ${e.message}`);
    }
  };

  const inbound = createInboundLanes({
    selfId,
    attempt,
    meshClosed,
    maxFrameBytes,
    handshakeTimeoutMs,
    inboundHighWater,
    inboundLowWater,
    onMessage: opts.onMessage,
    onPeerUp: opts.onPeerUp,
    onPeerDown: opts.onPeerDown,
    report,
  });
  const server: Server = net.createServer((socket) => inbound.accept(socket));
  server.on('error', (e) => {
    if (listening) report(e, { where: 'server' });
  });

  const linkFor = (peerId: string): OutboundLink => {
    let link = links.get(peerId);
    if (link) return link;
    if (!peers.has(peerId)) throw new InternalError(`mesh ${selfId}: no address for peer ${peerId}`);
    link = createOutboundLink(peerId, {
      selfId,
      attempt,
      address: () => peers.get(peerId),
      meshClosed,
      maxFrameBytes,
      maxQueuedFrames,
      reconnectMs,
      handshakeTimeoutMs,
      batchMaxRecords,
      ...(batchMaxBytes === undefined ? {} : { batchMaxBytes }),
      batchFlushMs,
      sendTimeoutMs: opts.sendTimeoutMs,
      onLinkUp: opts.onLinkUp,
      onLinkDown: opts.onLinkDown,
      onDrop: opts.onDrop,
      report,
    });
    links.set(peerId, link);
    return link;
  };

  /** The peer's link, or a rejected promise for a peer without an address. */
  const withLink = <T>(peerId: string, body: (link: OutboundLink) => Promise<T>): Promise<T> => {
    let link: OutboundLink;
    try {
      link = linkFor(peerId);
    } catch (e) {
      return Promise.reject(e);
    }
    return body(link);
  };

  const timeoutOf = (sendOpts: SendOptions | undefined) => sendOpts?.timeoutMs ?? opts.sendTimeoutMs;

  const close = (): Promise<void> => {
    if (closing) return closing;
    closed = true;
    flusher?.stop();
    for (const link of links.values()) link.close();
    inbound.close();
    closing = new Promise<void>((resolve) => {
      if (!listening) return resolve();
      server.close(() => resolve());
    });
    return closing;
  };

  const mesh: Mesh = {
    listen: () =>
      new Promise<void>((resolve, rejectListen) => {
        if (closed) return rejectListen(new InternalError(`mesh ${selfId} is closed`));
        if (listening) return rejectListen(new InternalError(`mesh ${selfId} is already listening`));
        const onError = (e: NodeJS.ErrnoException) => {
          rejectListen(e.code === 'EADDRINUSE' ? new PortInUseError(`mesh ${selfId}`, listenPort) : e);
        };
        server.once('error', onError);
        server.listen(listenPort, host, () => {
          server.off('error', onError);
          listening = true;
          resolve();
        });
      }),

    address: () => {
      const a = server.address() as AddressInfo | null;
      if (!a) throw new InternalError(`mesh ${selfId} is not listening`);
      return { host: a.address, port: a.port };
    },

    send: (peerId, kind, body, sendOpts) =>
      withLink(peerId, (link) => link.send(kind, body, timeoutOf(sendOpts))),

    sendBatched: (peerId, record, sendOpts) => {
      if (!closed) startFlusher();
      return withLink(peerId, (link) => link.sendBatched(record, timeoutOf(sendOpts)));
    },

    flush: async (peerId, sendOpts) => {
      const targets = peerId === undefined ? [...links.values()] : [linkFor(peerId)];
      const results = await Promise.all(targets.map((link) => link.flush(timeoutOf(sendOpts))));
      return results.every(Boolean);
    },

    dial: (peerId) => linkFor(peerId).dial(),

    whenConnected: (peerId, timeoutMs) => withLink(peerId, (link) => link.whenConnected(timeoutMs)),

    connected: (peerId) => links.get(peerId)?.state === 'open',

    peerAttempt: (peerId) => {
      const a = links.get(peerId)?.peerAttempt;
      const b = inbound.attemptOf(peerId);
      if (a === undefined) return b;
      if (b === undefined) return a;
      return Math.max(a, b);
    },

    stats: () => ({
      selfId,
      attempt,
      outbound: [...links.values()].map((l) => l.stats()),
      inbound: inbound.stats(),
      rejectedConnections: inbound.rejectedConnections(),
    }),

    close,
    [Symbol.asyncDispose]: close,
  };
  return mesh;
}
