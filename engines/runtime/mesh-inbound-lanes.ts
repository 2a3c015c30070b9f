/**
 * The receiving half of the mesh (see mesh.ts for the delivery semantics): accepts peers' connections, checks
 * their HELLO (fencing off an attempt older than one already seen), and feeds every peer's frames, whatever
 * connection they came on, into that peer's lane, handled strictly in order. A lane with more than
 * `inboundHighWater` frames waiting pauses its socket until it is down to `inboundLowWater`.
 */
import type { Socket } from 'node:net';
import {
  encodeFrame,
  type Frame,
  FrameDecoder,
  FrameError,
  FrameKind,
  type FrameKindValue,
  type HelloBody,
  isHelloBody,
} from './frames.ts';
import type { InboundLinkStats, MeshErrorReporter } from './mesh-types.ts';

export interface InboundLanesOptions {
  /** This worker and its attempt, sent in the HELLO answer. */
  selfId: string;
  attempt: number;
  /** True once the mesh is closed: lanes stop handling frames, closed connections are not reported. */
  meshClosed(): boolean;
  maxFrameBytes: number;
  handshakeTimeoutMs: number;
  inboundHighWater: number;
  inboundLowWater: number;
  onMessage(from: string, kind: FrameKindValue, body: unknown): void | Promise<void>;
  onPeerUp?(peerId: string, attempt: number): void;
  onPeerDown?(peerId: string): void;
  report: MeshErrorReporter;
}

export interface InboundLanes {
  /** Takes over a socket the mesh's server accepted. */
  accept(socket: Socket): void;
  /** The newest attempt heard from the peer on its link to us, if any. */
  attemptOf(peerId: string): number | undefined;
  stats(): InboundLinkStats[];
  /** Inbound connections refused: bad HELLO, wrong `to`, or an attempt older than one already seen. */
  rejectedConnections(): number;
  /** Destroys every connection and forgets frames not handled yet (the mesh is closing). */
  close(): void;
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
export class FrameQueue {
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

export function createInboundLanes(opts: InboundLanesOptions): InboundLanes {
  const { selfId, attempt, maxFrameBytes, handshakeTimeoutMs, inboundHighWater, inboundLowWater, report } =
    opts;
  const lanes = new Map<string, InboundLane>();
  const inboundConnections = new Set<InboundConnection>();
  let rejectedConnections = 0;

  const runLane = async (lane: InboundLane): Promise<void> => {
    if (lane.running) return;
    lane.running = true;
    try {
      for (let f = lane.queue.shift(); f !== undefined && !opts.meshClosed(); f = lane.queue.shift()) {
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
    if (opts.meshClosed()) {
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
      if (!opts.meshClosed()) opts.onPeerDown?.(lane.peerId);
    });
  };

  return {
    accept,
    attemptOf: (peerId) => lanes.get(peerId)?.attempt,
    stats: () =>
      [...lanes.values()].map((l) => ({
        peerId: l.peerId,
        attempt: l.attempt,
        connected: l.feeder !== undefined,
        paused: l.feeder?.paused ?? false,
        queuedFrames: l.queue.length,
        framesReceived: l.framesReceived,
        bytesReceived: l.bytesReceived,
        connections: l.connections,
      })),
    rejectedConnections: () => rejectedConnections,
    close: () => {
      for (const conn of inboundConnections) conn.socket.destroy();
      for (const lane of lanes.values()) lane.queue.clear();
    },
  };
}
