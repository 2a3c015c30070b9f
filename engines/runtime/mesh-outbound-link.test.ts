import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { retryUntil } from '../../core/clock.ts';
import { encodeFrame, type Frame, FrameDecoder, FrameKind } from './frames.ts';
import { createOutboundLink, type OutboundLinkOptions } from './mesh-outbound-link.ts';
import type { DropReason, PeerAddress } from './mesh-types.ts';

// One outbound link against a bare TCP server that plays the peer: no mesh, no inbound lanes.
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function linkOptions(
  address: PeerAddress | undefined,
  drops: DropReason[],
  meshClosed = () => false,
): OutboundLinkOptions {
  return {
    selfId: 'A',
    attempt: 3,
    address: () => address,
    meshClosed,
    maxFrameBytes: 1024 * 1024,
    maxQueuedFrames: 16,
    reconnectMs: 50,
    handshakeTimeoutMs: 2000,
    batchMaxRecords: 2,
    batchFlushMs: 10_000,
    sendTimeoutMs: undefined,
    onDrop: (_peer, _kind, _body, reason) => drops.push(reason),
    report: () => {},
  };
}

/** A peer that answers HELLO as `B` attempt 7 and records every frame after it. */
async function fakePeer(): Promise<{ address: PeerAddress; frames: Frame[] }> {
  const frames: Frame[] = [];
  const server = net.createServer((socket) => {
    const decoder = new FrameDecoder();
    socket.on('data', (chunk) => {
      for (const f of decoder.push(chunk)) {
        if (f.kind === FrameKind.HELLO)
          socket.write(encodeFrame(FrameKind.HELLO, { from: 'B', attempt: 7, to: 'A' }));
        frames.push(f);
      }
    });
    cleanups.push(() => socket.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => server.close());
  const { port } = server.address() as net.AddressInfo;
  return { address: { host: '127.0.0.1', port }, frames };
}

describe('outbound link', () => {
  it('drops sends to a peer without an address and backs off', async () => {
    const drops: DropReason[] = [];
    const link = createOutboundLink('B', linkOptions(undefined, drops));
    cleanups.push(link.close);
    expect(await link.send(FrameKind.CONTROL, { x: 1 }, undefined)).toBe(false);
    expect(drops).toEqual(['unreachable']);
    expect(link.stats()).toMatchObject({ state: 'backoff', lastError: 'no address', framesDropped: 1 });
  });

  it('says HELLO, learns the peer attempt, then sends batches and frames in order', async () => {
    const peer = await fakePeer();
    const drops: DropReason[] = [];
    let closed = false;
    const link = createOutboundLink(
      'B',
      linkOptions(peer.address, drops, () => closed),
    );
    cleanups.push(link.close);
    expect(await link.whenConnected(5000)).toBe(true);
    expect(link.peerAttempt).toBe(7);
    expect(await link.sendBatched({ i: 1 }, undefined)).toBe(true);
    expect(await link.send(FrameKind.CONTROL, { marker: true }, undefined)).toBe(true);
    await retryUntil('frames arrive', async () => (peer.frames.length >= 3 ? true : undefined), {
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect(peer.frames).toEqual([
      { kind: FrameKind.HELLO, body: { from: 'A', attempt: 3, to: 'B' } },
      { kind: FrameKind.DATA, body: [{ i: 1 }] },
      { kind: FrameKind.CONTROL, body: { marker: true } },
    ]);
    closed = true; // as the mesh does: closed first, then each link
    link.close();
    expect(await link.sendBatched({ i: 2 }, undefined)).toBe(false);
    expect(drops).toEqual(['closed']);
  });

  it("sends a batch once its records' JSON fills the byte size (Flink's full buffer), whatever their count", async () => {
    const peer = await fakePeer();
    const drops: DropReason[] = [];
    const link = createOutboundLink('B', {
      ...linkOptions(peer.address, drops),
      batchMaxRecords: Number.POSITIVE_INFINITY,
      batchMaxBytes: 100,
    });
    cleanups.push(link.close);
    expect(await link.whenConnected(5000)).toBe(true);
    // Each record is 24 bytes of JSON (+1 for its comma): the fourth reaches 100 and sends the four.
    const rec = (i: number) => ({ i, pad: 'x'.repeat(9 - String(i).length) });
    expect(JSON.stringify(rec(1)).length).toBe(24);
    for (let i = 1; i <= 3; i++) expect(await link.sendBatched(rec(i), undefined)).toBe(true);
    expect(link.stats().batchedRecords).toBe(3);
    expect(await link.sendBatched(rec(4), undefined)).toBe(true);
    expect(link.stats().batchedRecords).toBe(0);
    await link.sendBatched(rec(6), undefined);
    await link.flush(undefined); // the rest goes at the flush (the buffer timeout's tick)
    await retryUntil('frames arrive', async () => (peer.frames.length >= 3 ? true : undefined), {
      timeoutMs: 5000,
      intervalMs: 10,
    });
    expect(peer.frames.slice(1)).toEqual([
      { kind: FrameKind.DATA, body: [1, 2, 3, 4].map(rec) },
      { kind: FrameKind.DATA, body: [rec(6)] },
    ]);
    expect(drops).toEqual([]);
  });
});
