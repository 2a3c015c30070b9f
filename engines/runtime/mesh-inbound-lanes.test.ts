import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { retryUntil } from '../../core/clock.ts';
import { encodeFrame, type Frame, FrameDecoder, FrameKind } from './frames.ts';
import { createInboundLanes, FrameQueue, type InboundLanes } from './mesh-inbound-lanes.ts';

// Inbound lanes behind a bare TCP server, fed by raw sockets that play the peers: no mesh, no outbound links.
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const until = (what: string, cond: () => boolean) =>
  retryUntil(what, async () => (cond() ? true : undefined), { timeoutMs: 5000, intervalMs: 10 });

async function startLanes(events: string[]): Promise<{ lanes: InboundLanes; port: number }> {
  const lanes = createInboundLanes({
    selfId: 'B',
    attempt: 0,
    meshClosed: () => false,
    maxFrameBytes: 1024 * 1024,
    handshakeTimeoutMs: 2000,
    inboundHighWater: 128,
    inboundLowWater: 32,
    onMessage: (from, kind, body) => {
      events.push(`${from} ${kind} ${JSON.stringify(body)}`);
    },
    onPeerUp: (peer, attempt) => events.push(`up ${peer} ${attempt}`),
    onPeerDown: (peer) => events.push(`down ${peer}`),
    report: () => {},
  });
  const server = net.createServer((socket) => lanes.accept(socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => {
    lanes.close();
    server.close();
  });
  return { lanes, port: (server.address() as net.AddressInfo).port };
}

/** A raw peer: connects, says HELLO as `from` attempt `attempt`, then writes `frames`; collects the answers. */
function rawPeer(
  port: number,
  from: string,
  attempt: number,
  frames: Frame[],
): { answers: Frame[]; socket: net.Socket } {
  const answers: Frame[] = [];
  const decoder = new FrameDecoder();
  const socket = net.connect({ host: '127.0.0.1', port });
  cleanups.push(() => socket.destroy());
  socket.on('data', (chunk) => answers.push(...decoder.push(chunk)));
  socket.on('error', () => {});
  socket.write(encodeFrame(FrameKind.HELLO, { from, attempt, to: 'B' }));
  for (const f of frames) socket.write(encodeFrame(f.kind, f.body));
  return { answers, socket };
}

describe('inbound lanes', () => {
  it('answers HELLO and hands a peer its frames in order, after onPeerUp', async () => {
    const events: string[] = [];
    const { lanes, port } = await startLanes(events);
    const peer = rawPeer(port, 'A', 2, [
      { kind: FrameKind.DATA, body: [1] },
      { kind: FrameKind.CONTROL, body: { c: 1 } },
    ]);
    await until('frames handled', () => events.length >= 3);
    // The answer travels back over the socket: handled frames do not mean it has been read yet.
    await until('HELLO answered', () => peer.answers.length >= 1);
    expect(events).toEqual(['up A 2', 'A 2 [1]', 'A 3 {"c":1}']);
    expect(peer.answers).toEqual([{ kind: FrameKind.HELLO, body: { from: 'B', attempt: 0, to: 'A' } }]);
    expect(lanes.attemptOf('A')).toBe(2);
    peer.socket.destroy();
    await until('peer down', () => events.includes('down A'));
  });

  it('fences off an attempt older than one already seen', async () => {
    const events: string[] = [];
    const { lanes, port } = await startLanes(events);
    rawPeer(port, 'A', 2, []);
    await until('attempt 2 up', () => events.includes('up A 2'));
    const zombie = rawPeer(port, 'A', 1, [{ kind: FrameKind.DATA, body: ['stale'] }]);
    await until('zombie refused', () => lanes.rejectedConnections() === 1);
    expect(zombie.answers).toEqual([]);
    expect(events).toEqual(['up A 2']);
  });
});

describe('frame queue', () => {
  it('keeps order across its compaction', () => {
    const q = new FrameQueue();
    for (let i = 0; i < 3000; i++) q.push({ kind: FrameKind.DATA, body: i });
    const out: unknown[] = [];
    for (let i = 0; i < 2500; i++) out.push(q.shift()!.body);
    for (let i = 3000; i < 3010; i++) q.push({ kind: FrameKind.DATA, body: i });
    expect(q.length).toBe(510);
    for (let f = q.shift(); f; f = q.shift()) out.push(f.body);
    expect(out).toEqual([...Array.from({ length: 3010 }, (_, i) => i)]);
  });
});
