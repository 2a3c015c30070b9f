/** Types the mesh's parts share (mesh.ts re-exports those its users need). */
import type { FrameKindValue } from './frames.ts';

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

/** Where an error is reported: `onError` of the mesh options, or one line on stderr. */
export type MeshErrorReporter = (err: unknown, ctx: { where: MeshErrorSite; peerId?: string }) => void;

/** Why a frame was not delivered, as the mesh's user hears it. */
export type DropListener = (peerId: string, kind: FrameKindValue, body: unknown, reason: DropReason) => void;
