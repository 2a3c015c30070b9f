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
import net, { type AddressInfo, type Server, type Socket } from 'node:net';
import { BadInputError, PortInUseError } from '../../core/errors.ts';
import {
  DEFAULT_MAX_FRAME_BYTES,
  encodeFrame,
  type Frame,
  FrameDecoder,
  FrameError,
  FrameKind,
  type FrameKindValue,
  type HelloBody,
  isHelloBody,
} from './frames.ts';

export interface PeerAddress {
  host: string;
  port: number;
}

/** Why a frame (or a batch of records) did not reach the socket. */
export type DropReason =
  /** The peer is down or not up yet: refused, no HELLO answer, or between reconnect attempts. */
  | 'unreachable'
  /** It was queued behind a full socket buffer when the connection died. */
  | 'connection-lost'
  /** The send's `timeoutMs` passed while it waited for 'drain' or for the connection. */
  | 'timeout'
  /** `maxQueuedFrames` frames were already waiting: the sender is not awaiting its sends. */
  | 'overflow'
  /** A batch of records encoded to more than `maxFrameBytes`. */
  | 'too-large'
  /** The mesh was closed. */
  | 'closed';

export type MeshErrorSite = 'inbound' | 'outbound' | 'handler' | 'server';

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
    /**
     * Longest a record waits in a batch (Flink's buffer timeout, default 100 ms there and here); 0 sends every
     * record in its own frame at once.
     */
    flushMs?: number;
  };
}

export interface SendOptions {
  /** Give up (drop, resolve false) if the frame is not handed to the socket within this time. */
  timeoutMs?: number;
}

export type LinkState = 'idle' | 'connecting' | 'open' | 'backoff' | 'closed';

/** Our link to one peer. */
export interface OutboundLinkStats {
  peerId: string;
  state: LinkState;
  /** The peer's attempt, from its HELLO answer. */
  peerAttempt: number | undefined;
  /** Socket buffer above its high-water mark: sends wait for 'drain'. */
  blocked: boolean;
  queuedFrames: number;
  batchedRecords: number;
  framesSent: number;
  bytesSent: number;
  framesDropped: number;
  /** Connection attempts so far. */
  connects: number;
  lastError: string | undefined;
}

/** A peer's link to us. */
export interface InboundLinkStats {
  peerId: string;
  attempt: number;
  connected: boolean;
  /** Reading from the socket is paused (back-pressure). */
  paused: boolean;
  /** Frames received and not yet handled. */
  queuedFrames: number;
  framesReceived: number;
  bytesReceived: number;
  /** Connections accepted from this peer so far. */
  connections: number;
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
   * it is full or `batch.flushMs` after its first record. Resolves true at once while the batch has room; the
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

interface PendingFrame {
  kind: FrameKindValue;
  body: unknown;
  frame: Buffer;
  resolve: (ok: boolean) => void;
  timer: NodeJS.Timeout | undefined;
}

interface OutboundLink {
  peerId: string;
  state: LinkState;
  socket: Socket | undefined;
  /** The socket corked for the current tick, so that one tick's frames leave in one write. */
  corkedSocket: Socket | undefined;
  blocked: boolean;
  queue: PendingFrame[];
  batch: unknown[];
  batchTimer: NodeJS.Timeout | undefined;
  retryTimer: NodeJS.Timeout | undefined;
  openWaiters: Set<(open: boolean) => void>;
  peerAttempt: number | undefined;
  framesSent: number;
  bytesSent: number;
  framesDropped: number;
  connects: number;
  lastError: string | undefined;
}

interface InboundConnection {
  socket: Socket;
  decoder: FrameDecoder;
  peerId: string | undefined;
  paused: boolean;
  handshakeTimer: NodeJS.Timeout | undefined;
}

/** Everything received from one peer, whatever connection it came on, handled strictly in order. */
interface InboundLane {
  peerId: string;
  attempt: number;
  feeder: InboundConnection | undefined;
  queue: FrameQueue;
  running: boolean;
  framesReceived: number;
  bytesReceived: number;
  connections: number;
}

/**
 * A lane item with this kind (not a byte, so never a frame's) stands for "the peer connected with attempt
 * `body`": `onPeerUp` is called in turn with the frames, after everything the previous connection delivered.
 */
const PEER_UP = -1;

/** FIFO with O(1) shift: a chunk of small frames can put thousands in a lane at once. */
class FrameQueue {
  private items: Frame[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(f: Frame): void {
    this.items.push(f);
  }
  shift(): Frame | undefined {
    if (this.head >= this.items.length) return undefined;
    const f = this.items[this.head++];
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return f;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
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
  if (!(inboundLowWater < inboundHighWater) || inboundLowWater < 0) {
    throw new BadInputError(
      `mesh ${selfId}: inboundLowWater (${inboundLowWater}) must be ≥ 0 and below inboundHighWater (${inboundHighWater})`,
    );
  }
  if (batchMaxRecords < 1 || maxQueuedFrames < 0) {
    throw new BadInputError(`mesh ${selfId}: batch.maxRecords must be ≥ 1 and maxQueuedFrames ≥ 0`);
  }

  const links = new Map<string, OutboundLink>();
  const lanes = new Map<string, InboundLane>();
  const inboundConnections = new Set<InboundConnection>();
  const server: Server = net.createServer((socket) => accept(socket));
  let listening = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  let rejectedConnections = 0;

  const report = (err: unknown, ctx: { where: MeshErrorSite; peerId?: string }) => {
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

  // ---- outbound -------------------------------------------------------------------------------------------

  const linkFor = (peerId: string): OutboundLink => {
    let link = links.get(peerId);
    if (link) return link;
    if (!peers.has(peerId)) throw new BadInputError(`mesh ${selfId}: no address for peer ${peerId}`);
    link = {
      peerId,
      state: 'idle',
      socket: undefined,
      corkedSocket: undefined,
      blocked: false,
      queue: [],
      batch: [],
      batchTimer: undefined,
      retryTimer: undefined,
      openWaiters: new Set(),
      peerAttempt: undefined,
      framesSent: 0,
      bytesSent: 0,
      framesDropped: 0,
      connects: 0,
      lastError: undefined,
    };
    links.set(peerId, link);
    return link;
  };

  const drop = (link: OutboundLink, kind: FrameKindValue, body: unknown, reason: DropReason) => {
    link.framesDropped++;
    opts.onDrop?.(link.peerId, kind, body, reason);
  };

  const dropQueued = (link: OutboundLink, reason: DropReason) => {
    const queued = link.queue;
    link.queue = [];
    for (const p of queued) {
      clearTimeout(p.timer);
      drop(link, p.kind, p.body, reason);
      p.resolve(false);
    }
    if (link.batch.length > 0) {
      const records = link.batch;
      link.batch = [];
      drop(link, FrameKind.DATA, records, reason);
    }
    clearTimeout(link.batchTimer);
    link.batchTimer = undefined;
  };

  const writable = (link: OutboundLink): link is OutboundLink & { socket: Socket } =>
    link.state === 'open' && !link.blocked && link.socket?.writable === true;

  const write = (link: OutboundLink & { socket: Socket }, frame: Buffer) => {
    const socket = link.socket;
    if (link.corkedSocket !== socket) {
      link.corkedSocket = socket;
      socket.cork();
      process.nextTick(() => {
        if (link.corkedSocket === socket) link.corkedSocket = undefined;
        socket.uncork();
      });
    }
    link.framesSent++;
    link.bytesSent += frame.length;
    // false = above the high-water mark: the frame is buffered all the same, later ones wait for 'drain'.
    if (!socket.write(frame)) link.blocked = true;
  };

  const pump = (link: OutboundLink) => {
    while (link.queue.length > 0 && writable(link)) {
      const p = link.queue.shift()!;
      clearTimeout(p.timer);
      write(link, p.frame);
      p.resolve(true);
    }
  };

  const settleOpenWaiters = (link: OutboundLink, open: boolean) => {
    for (const w of link.openWaiters) w(open);
    link.openWaiters.clear();
  };

  const backOff = (link: OutboundLink, reason: DropReason) => {
    link.state = 'backoff';
    link.blocked = false;
    dropQueued(link, reason);
    link.retryTimer = setTimeout(() => {
      link.retryTimer = undefined;
      if (link.state === 'backoff') connect(link);
    }, reconnectMs);
    link.retryTimer.unref();
  };

  const connect = (link: OutboundLink) => {
    if (closed) return;
    const address = peers.get(link.peerId);
    if (!address) {
      link.lastError = 'no address';
      backOff(link, 'unreachable');
      return;
    }
    link.state = 'connecting';
    link.connects++;
    const socket = net.connect({ host: address.host, port: address.port });
    link.socket = socket;
    socket.setNoDelay(true);
    const decoder = new FrameDecoder({ maxFrameBytes });
    let open = false;
    const handshakeTimer = setTimeout(() => {
      link.lastError = `no HELLO answer within ${handshakeTimeoutMs} ms`;
      socket.destroy();
    }, handshakeTimeoutMs);
    handshakeTimer.unref();

    socket.on('connect', () => {
      const hello: HelloBody = { from: selfId, attempt, to: link.peerId };
      socket.write(encodeFrame(FrameKind.HELLO, hello, maxFrameBytes));
    });
    socket.on('data', (chunk: Buffer) => {
      if (open) return; // the accepting side writes nothing after its HELLO
      try {
        const answer = decoder.push(chunk).next();
        if (answer.done) return;
        const hello = answer.value.body;
        if (
          answer.value.kind !== FrameKind.HELLO ||
          !isHelloBody(hello) ||
          hello.from !== link.peerId ||
          hello.to !== selfId
        ) {
          throw new FrameError(
            'BAD_FRAME',
            `expected HELLO from ${link.peerId} to ${selfId}, got kind ${answer.value.kind}: ${JSON.stringify(hello)}`,
          );
        }
        open = true;
        clearTimeout(handshakeTimer);
        link.state = 'open';
        link.peerAttempt = Math.max(link.peerAttempt ?? hello.attempt, hello.attempt);
        link.lastError = undefined;
        opts.onLinkUp?.(link.peerId, hello.attempt);
        settleOpenWaiters(link, true);
        pump(link);
      } catch (e) {
        link.lastError = e instanceof Error ? e.message : String(e);
        report(e, { where: 'outbound', peerId: link.peerId });
        socket.destroy();
      }
    });
    socket.on('drain', () => {
      if (link.socket !== socket) return;
      link.blocked = false;
      pump(link);
    });
    socket.on('error', (e) => {
      link.lastError = e.message;
    });
    socket.on('close', () => {
      clearTimeout(handshakeTimer);
      if (link.socket !== socket) return;
      link.socket = undefined;
      if (closed) return;
      backOff(link, open ? 'connection-lost' : 'unreachable');
      if (open) opts.onLinkDown?.(link.peerId);
    });
  };

  /** Encodes and sends, or queues, or drops. Assumes any pending batch has been dealt with. */
  const sendFrame = (
    link: OutboundLink,
    kind: FrameKindValue,
    body: unknown,
    timeoutMs: number | undefined,
  ): Promise<boolean> => {
    let frame: Buffer;
    try {
      frame = encodeFrame(kind, body, maxFrameBytes);
    } catch (e) {
      return Promise.reject(e);
    }
    if (link.state === 'idle') connect(link);
    if (link.state === 'closed' || link.state === 'backoff') {
      drop(link, kind, body, link.state === 'closed' ? 'closed' : 'unreachable');
      return Promise.resolve(false);
    }
    if (link.queue.length === 0 && writable(link)) {
      write(link, frame);
      return Promise.resolve(true);
    }
    if (link.queue.length >= maxQueuedFrames) {
      drop(link, kind, body, 'overflow');
      return Promise.resolve(false);
    }
    return new Promise<boolean>((resolve) => {
      const pending: PendingFrame = { kind, body, frame, resolve, timer: undefined };
      if (timeoutMs !== undefined) {
        pending.timer = setTimeout(() => {
          const i = link.queue.indexOf(pending);
          if (i < 0) return;
          link.queue.splice(i, 1);
          drop(link, kind, body, 'timeout');
          resolve(false);
        }, timeoutMs);
      }
      link.queue.push(pending);
    });
  };

  const flushBatch = (link: OutboundLink, timeoutMs: number | undefined): Promise<boolean> => {
    clearTimeout(link.batchTimer);
    link.batchTimer = undefined;
    if (link.batch.length === 0) return Promise.resolve(true);
    const records = link.batch;
    link.batch = [];
    return sendFrame(link, FrameKind.DATA, records, timeoutMs).catch((e: unknown) => {
      drop(link, FrameKind.DATA, records, 'too-large');
      throw e;
    });
  };

  const flushInBackground = (link: OutboundLink) => {
    flushBatch(link, opts.sendTimeoutMs).catch((e: unknown) =>
      report(e, { where: 'outbound', peerId: link.peerId }),
    );
  };

  // ---- inbound --------------------------------------------------------------------------------------------

  const runLane = async (lane: InboundLane): Promise<void> => {
    if (lane.running) return;
    lane.running = true;
    try {
      for (let f = lane.queue.shift(); f !== undefined && !closed; f = lane.queue.shift()) {
        try {
          if (f.kind === PEER_UP) opts.onPeerUp?.(lane.peerId, f.body as number);
          else {
            const result = opts.onMessage(lane.peerId, f.kind, f.body);
            if (result !== undefined && typeof (result as Promise<void>).then === 'function') await result;
          }
        } catch (e) {
          report(e, { where: 'handler', peerId: lane.peerId });
        }
        const feeder = lane.feeder;
        if (feeder?.paused && lane.queue.length <= inboundLowWater) {
          feeder.paused = false;
          feeder.socket.resume();
        }
      }
    } finally {
      lane.running = false;
    }
  };

  /** Reasons already reported: a fenced zombie redials every `reconnectMs`, one line is enough. */
  const reportedRejections = new Set<string>();
  const reject = (conn: InboundConnection, why: string) => {
    rejectedConnections++;
    if (!reportedRejections.has(why)) {
      reportedRejections.add(why);
      report(new Error(`refused connection: ${why}`), { where: 'inbound' });
    }
    conn.socket.destroy();
  };

  /** Handles the first frame of an inbound connection; false if the connection was refused. */
  const handshake = (conn: InboundConnection, frame: Frame): boolean => {
    const hello = frame.body;
    if (frame.kind !== FrameKind.HELLO || !isHelloBody(hello)) {
      reject(conn, `first frame is kind ${frame.kind}, not a HELLO`);
      return false;
    }
    if (hello.to !== selfId) {
      reject(conn, `HELLO from ${hello.from} is meant for ${hello.to}, this is ${selfId}`);
      return false;
    }
    let lane = lanes.get(hello.from);
    if (lane && hello.attempt < lane.attempt) {
      // A zombie (paused, then resumed after its replacement started): fence it off.
      reject(
        conn,
        `${hello.from} attempt ${hello.attempt} is older than attempt ${lane.attempt} already seen`,
      );
      return false;
    }
    if (!lane) {
      lane = {
        peerId: hello.from,
        attempt: hello.attempt,
        feeder: undefined,
        queue: new FrameQueue(),
        running: false,
        framesReceived: 0,
        bytesReceived: 0,
        connections: 0,
      };
      lanes.set(hello.from, lane);
    }
    clearTimeout(conn.handshakeTimer);
    conn.peerId = hello.from;
    const replaced = lane.feeder;
    lane.feeder = conn;
    lane.attempt = hello.attempt;
    lane.connections++;
    // Frames the old connection delivered stay queued ahead of the new ones (they were sent earlier), and
    // onPeerUp comes between the two.
    replaced?.socket.destroy();
    lane.queue.push({ kind: PEER_UP, body: hello.attempt });
    const answer: HelloBody = { from: selfId, attempt, to: hello.from };
    conn.socket.write(encodeFrame(FrameKind.HELLO, answer, maxFrameBytes));
    return true;
  };

  const onInboundData = (conn: InboundConnection, chunk: Buffer) => {
    try {
      for (const frame of conn.decoder.push(chunk)) {
        if (conn.peerId === undefined) {
          if (!handshake(conn, frame)) return;
          continue;
        }
        const lane = lanes.get(conn.peerId)!;
        if (lane.feeder !== conn) return; // replaced while this chunk was being read
        if (frame.kind === FrameKind.HELLO)
          throw new FrameError('BAD_FRAME', 'a second HELLO on one connection');
        lane.queue.push(frame);
        lane.framesReceived++;
      }
    } catch (e) {
      // A bad frame: this connection is out of sync for good.
      report(e, { where: 'inbound', peerId: conn.peerId });
      conn.socket.destroy();
    } finally {
      const lane = conn.peerId === undefined ? undefined : lanes.get(conn.peerId);
      if (lane && lane.feeder === conn) {
        lane.bytesReceived += chunk.length;
        if (!conn.paused && lane.queue.length >= inboundHighWater && !conn.socket.destroyed) {
          conn.paused = true;
          conn.socket.pause();
        }
        void runLane(lane);
      }
    }
  };

  const accept = (socket: Socket) => {
    if (closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const conn: InboundConnection = {
      socket,
      decoder: new FrameDecoder({ maxFrameBytes }),
      peerId: undefined,
      paused: false,
      handshakeTimer: undefined,
    };
    conn.handshakeTimer = setTimeout(() => {
      if (conn.peerId === undefined) reject(conn, `no HELLO within ${handshakeTimeoutMs} ms`);
    }, handshakeTimeoutMs);
    conn.handshakeTimer.unref();
    inboundConnections.add(conn);
    socket.on('data', (chunk: Buffer) => onInboundData(conn, chunk));
    socket.on('error', () => {
      // a reset from a killed peer: 'close' follows and does the bookkeeping
    });
    socket.on('close', () => {
      clearTimeout(conn.handshakeTimer);
      inboundConnections.delete(conn);
      const lane = conn.peerId === undefined ? undefined : lanes.get(conn.peerId);
      if (!lane || lane.feeder !== conn) return;
      lane.feeder = undefined;
      if (!closed) opts.onPeerDown?.(lane.peerId);
    });
  };

  server.on('error', (e) => {
    if (listening) report(e, { where: 'server' });
  });

  // ---- the object -----------------------------------------------------------------------------------------

  const close = (): Promise<void> => {
    if (closing) return closing;
    closed = true;
    for (const link of links.values()) {
      clearTimeout(link.retryTimer);
      link.state = 'closed';
      dropQueued(link, 'closed');
      settleOpenWaiters(link, false);
      link.socket?.destroy();
      link.socket = undefined;
    }
    for (const conn of inboundConnections) conn.socket.destroy();
    for (const lane of lanes.values()) lane.queue.clear();
    closing = new Promise<void>((resolve) => {
      if (!listening) return resolve();
      server.close(() => resolve());
    });
    return closing;
  };

  const mesh: Mesh = {
    listen: () =>
      new Promise<void>((resolve, rejectListen) => {
        if (closed) return rejectListen(new BadInputError(`mesh ${selfId} is closed`));
        if (listening) return rejectListen(new BadInputError(`mesh ${selfId} is already listening`));
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
      if (!a) throw new BadInputError(`mesh ${selfId} is not listening`);
      return { host: a.address, port: a.port };
    },

    send: (peerId, kind, body, sendOpts) => {
      let link: OutboundLink;
      try {
        link = linkFor(peerId);
      } catch (e) {
        return Promise.reject(e);
      }
      if (closed) {
        drop(link, kind, body, 'closed');
        return Promise.resolve(false);
      }
      if (link.batch.length > 0) flushInBackground(link);
      return sendFrame(link, kind, body, sendOpts?.timeoutMs ?? opts.sendTimeoutMs);
    },

    sendBatched: (peerId, record, sendOpts) => {
      let link: OutboundLink;
      try {
        link = linkFor(peerId);
      } catch (e) {
        return Promise.reject(e);
      }
      if (link.state === 'idle') connect(link);
      if (closed || link.state === 'backoff' || link.state === 'closed') {
        drop(link, FrameKind.DATA, [record], closed ? 'closed' : 'unreachable');
        return Promise.resolve(false);
      }
      link.batch.push(record);
      if (link.batch.length >= batchMaxRecords || batchFlushMs <= 0) {
        return flushBatch(link, sendOpts?.timeoutMs ?? opts.sendTimeoutMs);
      }
      if (link.batchTimer === undefined)
        link.batchTimer = setTimeout(() => flushInBackground(link), batchFlushMs);
      return Promise.resolve(true);
    },

    flush: async (peerId, sendOpts) => {
      const targets = peerId === undefined ? [...links.values()] : [linkFor(peerId)];
      const results = await Promise.all(
        targets.map((link) => flushBatch(link, sendOpts?.timeoutMs ?? opts.sendTimeoutMs)),
      );
      return results.every(Boolean);
    },

    dial: (peerId) => {
      const link = linkFor(peerId);
      if (link.state === 'idle') connect(link);
    },

    whenConnected: (peerId, timeoutMs) => {
      let link: OutboundLink;
      try {
        link = linkFor(peerId);
      } catch (e) {
        return Promise.reject(e);
      }
      if (link.state === 'open') return Promise.resolve(true);
      if (closed) return Promise.resolve(false);
      if (link.state === 'idle') connect(link);
      return new Promise<boolean>((resolve) => {
        const waiter = (open: boolean) => {
          clearTimeout(timer);
          resolve(open);
        };
        const timer = setTimeout(() => {
          link.openWaiters.delete(waiter);
          resolve(false);
        }, timeoutMs);
        link.openWaiters.add(waiter);
      });
    },

    connected: (peerId) => links.get(peerId)?.state === 'open',

    peerAttempt: (peerId) => {
      const a = links.get(peerId)?.peerAttempt;
      const b = lanes.get(peerId)?.attempt;
      if (a === undefined) return b;
      if (b === undefined) return a;
      return Math.max(a, b);
    },

    stats: () => ({
      selfId,
      attempt,
      outbound: [...links.values()].map((l) => ({
        peerId: l.peerId,
        state: l.state,
        peerAttempt: l.peerAttempt,
        blocked: l.blocked,
        queuedFrames: l.queue.length,
        batchedRecords: l.batch.length,
        framesSent: l.framesSent,
        bytesSent: l.bytesSent,
        framesDropped: l.framesDropped,
        connects: l.connects,
        lastError: l.lastError,
      })),
      inbound: [...lanes.values()].map((l) => ({
        peerId: l.peerId,
        attempt: l.attempt,
        connected: l.feeder !== undefined,
        paused: l.feeder?.paused ?? false,
        queuedFrames: l.queue.length,
        framesReceived: l.framesReceived,
        bytesReceived: l.bytesReceived,
        connections: l.connections,
      })),
      rejectedConnections,
    }),

    close,
    [Symbol.asyncDispose]: close,
  };
  return mesh;
}
