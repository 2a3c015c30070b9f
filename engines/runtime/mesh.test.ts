import { readFileSync } from 'node:fs';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { retryUntil } from '../../core/clock.ts';
import { InternalError, PortInUseError } from '../../core/errors.ts';
import { encodeFrame, FrameDecoder, FrameError, FrameKind } from './frames.ts';
import { createMesh, type DropReason, type Mesh, type MeshOptions, type PeerAddress } from './mesh.ts';

// Real TCP on 127.0.0.1, ephemeral ports. Every mesh and socket a test opens is closed after it.
const opened: Mesh[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(opened.splice(0).map((m) => m.close()));
});

interface Received {
  from: string;
  kind: number;
  body: unknown;
}

interface Node {
  mesh: Mesh;
  received: Received[];
  drops: Array<{ peer: string; kind: number; body: unknown; reason: DropReason }>;
  peerUps: Array<[string, number]>;
  linkUps: Array<[string, number]>;
  errors: Error[];
}

/** A mesh that records what it receives, drops and hears, listening on `port` (0 = ephemeral). */
async function startNode(
  selfId: string,
  attempt: number,
  peers: Map<string, PeerAddress>,
  extra: Partial<MeshOptions> = {},
  port = 0,
): Promise<Node> {
  const node: Node = {
    mesh: undefined as unknown as Mesh,
    received: [],
    drops: [],
    peerUps: [],
    linkUps: [],
    errors: [],
  };
  node.mesh = createMesh({
    selfId,
    attempt,
    listenPort: port,
    peers,
    reconnectMs: 50,
    onMessage: (from, kind, body) => {
      node.received.push({ from, kind, body });
    },
    onDrop: (peer, kind, body, reason) => node.drops.push({ peer, kind, body, reason }),
    onPeerUp: (peer, a) => node.peerUps.push([peer, a]),
    onLinkUp: (peer, a) => node.linkUps.push([peer, a]),
    onError: (e) => node.errors.push(e),
    ...extra,
  });
  opened.push(node.mesh);
  await node.mesh.listen();
  peers.set(selfId, node.mesh.address());
  return node;
}

const until = (what: string, cond: () => boolean, timeoutMs = 5000) =>
  retryUntil(what, async () => (cond() ? true : undefined), { timeoutMs, intervalMs: 10 });

/** Resolves once `value()` has not changed for `quietMs`. */
async function settled(value: () => number, quietMs: number, timeoutMs = 10_000): Promise<number> {
  let last = value();
  let since = Date.now();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    const v = value();
    if (v !== last) {
      last = v;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return v;
  }
  throw new Error(`value still changing after ${timeoutMs} ms (at ${last})`);
}

/** Largest TCP receive and send buffers the kernel may autotune a loopback connection to. */
function kernelSocketBufferMax(): { rmem: number; wmem: number } {
  const third = (file: string) => {
    try {
      return Number(readFileSync(file, 'utf8').trim().split(/\s+/)[2]);
    } catch {
      return 64 * 1024 * 1024;
    }
  };
  return { rmem: third('/proc/sys/net/ipv4/tcp_rmem'), wmem: third('/proc/sys/net/ipv4/tcp_wmem') };
}

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => {
    open = r;
  });
  return { wait, open };
}

describe('mesh', () => {
  it('delivers 5000 frames in order with the sender id, each direction on its own connection', async () => {
    const peers = new Map<string, PeerAddress>();
    const a = await startNode('A', 0, peers);
    const b = await startNode('B', 0, peers);

    const results: boolean[] = [];
    for (let i = 0; i < 5000; i++) results.push(await a.mesh.send('B', FrameKind.DATA, [{ i }]));
    expect(results.every(Boolean)).toBe(true);
    await until('B got 5000 frames', () => b.received.length === 5000);
    expect(b.received.every((r) => r.from === 'A' && r.kind === FrameKind.DATA)).toBe(true);
    expect(b.received.map((r) => (r.body as Array<{ i: number }>)[0]!.i)).toEqual(
      Array.from({ length: 5000 }, (_, i) => i),
    );

    for (let i = 0; i < 100; i++) await b.mesh.send('A', FrameKind.CONTROL, { type: 'ack', i });
    await until('A got 100 frames', () => a.received.length === 100);
    expect(a.received.map((r) => [r.from, r.kind, (r.body as { i: number }).i])).toEqual(
      Array.from({ length: 100 }, (_, i) => ['B', FrameKind.CONTROL, i]),
    );

    // Two connections: A dialled B and B dialled A, each learning the other's attempt in the handshake.
    expect(b.peerUps).toEqual([['A', 0]]);
    expect(a.peerUps).toEqual([['B', 0]]);
    expect(a.linkUps).toEqual([['B', 0]]);
    const aStats = a.mesh.stats();
    expect(aStats.outbound).toMatchObject([
      { peerId: 'B', state: 'open', framesSent: 5000, framesDropped: 0 },
    ]);
    expect(aStats.inbound).toMatchObject([{ peerId: 'B', framesReceived: 100, connections: 1 }]);
    expect(a.drops).toEqual([]);
  });

  it('batches records into DATA frames without reordering them around CONTROL frames', async () => {
    const peers = new Map<string, PeerAddress>();
    const a = await startNode('A', 0, peers, { batch: { maxRecords: 100, flushMs: 5 } });
    const b = await startNode('B', 0, peers);
    expect(await a.mesh.whenConnected('B', 5000)).toBe(true);

    for (let i = 0; i < 2500; i++) expect(await a.mesh.sendBatched('B', { i })).toBe(true);
    await a.mesh.send('B', FrameKind.CONTROL, { type: 'barrier', n: 1 }); // must follow record 2499
    for (let i = 2500; i < 5000; i++) await a.mesh.sendBatched('B', { i });
    await until('B got everything', () => {
      const last = b.received.at(-1)?.body;
      return Array.isArray(last) && (last.at(-1) as { i: number }).i === 4999;
    });

    const barrierAt = b.received.findIndex((r) => r.kind === FrameKind.CONTROL);
    const before = b.received.slice(0, barrierAt).flatMap((r) => r.body as Array<{ i: number }>);
    const after = b.received.slice(barrierAt + 1).flatMap((r) => r.body as Array<{ i: number }>);
    expect(before.map((r) => r.i)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(after.map((r) => r.i)).toEqual(Array.from({ length: 2500 }, (_, i) => 2500 + i));
    expect(b.received.length).toBeLessThanOrEqual(5000 / 100 + 4);
  });

  it('flushes batches on the flusher period, not a timeout started by the first record of each batch', async () => {
    const peers = new Map<string, PeerAddress>();
    const a = await startNode('A', 0, peers, { batch: { flushMs: 300 } });
    const b = await startNode('B', 0, peers);
    expect(await a.mesh.whenConnected('B', 5000)).toBe(true);
    await a.mesh.sendBatched('B', { i: 1 });
    await until('record 1 arrived (on a flusher tick)', () => b.received.length === 1);
    // Half a period after a tick, the next tick is ~150 ms away; a timer started by this record would hold
    // it the whole 300 ms.
    await new Promise((r) => setTimeout(r, 150));
    const sentAt = performance.now();
    await a.mesh.sendBatched('B', { i: 2 });
    await until('record 2 arrived', () => b.received.length === 2);
    expect(performance.now() - sentAt).toBeLessThan(260);
  });

  it('drops while the peer is down, then reconnects to its new attempt', async () => {
    const peers = new Map<string, PeerAddress>();
    const a = await startNode('A', 0, peers);
    const b0 = await startNode('B', 0, peers);
    const port = b0.mesh.address().port;

    expect(await a.mesh.send('B', FrameKind.DATA, [{ i: 0 }])).toBe(true);
    await until('B attempt 0 got the first frame', () => b0.received.length === 1);
    expect(a.mesh.peerAttempt('B')).toBe(0);

    await b0.mesh.close();
    await until('A sees B gone', () => !a.mesh.connected('B'));
    const whileDown: boolean[] = [];
    for (let i = 1; i <= 20; i++) whileDown.push(await a.mesh.send('B', FrameKind.DATA, [{ i }]));
    expect(whileDown.every((ok) => !ok)).toBe(true);
    expect(a.drops.length).toBeGreaterThanOrEqual(20);
    expect(a.drops.every((d) => d.peer === 'B' && d.reason === 'unreachable')).toBe(true);
    expect(a.drops.map((d) => (d.body as Array<{ i: number }>)[0]!.i)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(await a.mesh.sendBatched('B', { i: 21 })).toBe(false);

    const b1 = await startNode('B', 1, peers, {}, port);
    expect(await a.mesh.whenConnected('B', 5000)).toBe(true);
    expect(a.mesh.peerAttempt('B')).toBe(1);
    expect(a.linkUps).toEqual([
      ['B', 0],
      ['B', 1],
    ]);
    expect(await a.mesh.send('B', FrameKind.DATA, [{ i: 22 }])).toBe(true);
    await until('B attempt 1 got a frame', () => b1.received.length === 1);
    expect(b1.received[0]).toEqual({ from: 'A', kind: FrameKind.DATA, body: [{ i: 22 }] });
    expect(b1.peerUps).toEqual([['A', 0]]);

    // B's own link to A announces the new attempt on A's side too.
    await b1.mesh.send('A', FrameKind.CONTROL, { type: 'hello-again' });
    await until('A heard from B attempt 1', () => a.received.length === 1);
    expect(a.peerUps).toEqual([['B', 1]]);
  });

  it('replaces the connection of a restarted sender and fences off the old attempt', async () => {
    const peers = new Map<string, PeerAddress>();
    const downs: string[] = [];
    const b = await startNode('B', 0, peers, { onPeerDown: (p) => downs.push(p) });
    const a0 = await startNode('A', 0, peers);
    expect(await a0.mesh.send('B', FrameKind.DATA, [{ from: 0 }])).toBe(true);
    await until('B heard attempt 0', () => b.received.length === 1);

    // The new attempt arrives while the old connection still looks alive (a paused or half-dead process).
    peers.delete('A');
    const a1 = await startNode('A', 1, peers);
    expect(await a1.mesh.send('B', FrameKind.DATA, [{ from: 1 }])).toBe(true);
    await until('B heard attempt 1', () => b.received.length === 2);
    expect(b.peerUps).toEqual([
      ['A', 0],
      ['A', 1],
    ]);
    expect(downs).toEqual([]); // replaced, not down
    await until('the old connection is closed', () => !a0.mesh.connected('B'));

    // The zombie keeps redialling; B refuses it because attempt 0 < 1.
    expect(await a0.mesh.send('B', FrameKind.DATA, [{ from: 0 }])).toBe(false);
    await until('B refused the zombie', () => b.mesh.stats().rejectedConnections > 0);
    expect(b.errors.some((e) => /older than attempt 1/.test(e.message))).toBe(true);
    expect(b.received).toHaveLength(2);
    expect(b.mesh.stats().inbound).toMatchObject([
      { peerId: 'A', attempt: 1, connected: true, connections: 2 },
    ]);
  });

  it('calls onPeerUp for a new connection after the frames of the old one were handled', async () => {
    const events: string[] = [];
    const held = gate();
    const peers = new Map<string, PeerAddress>();
    const b = await startNode('B', 0, peers, {
      onMessage: async (_from, _kind, body) => {
        await held.wait;
        events.push(`frame ${(body as { n: number }).n}`);
      },
      onPeerUp: (_peer, attempt) => events.push(`up ${attempt}`),
    });
    const a0 = await startNode('A', 0, peers);
    for (let n = 0; n < 3; n++) await a0.mesh.send('B', FrameKind.CONTROL, { n });
    await until('B received 3', () => b.mesh.stats().inbound[0]?.framesReceived === 3);
    peers.delete('A');
    const a1 = await startNode('A', 1, peers);
    expect(await a1.mesh.send('B', FrameKind.CONTROL, { n: 3 })).toBe(true);
    await until('B received 4', () => b.mesh.stats().inbound[0]?.framesReceived === 4);
    held.open();
    await until('B handled 4', () => events.length === 6);
    expect(events).toEqual(['up 0', 'frame 0', 'frame 1', 'frame 2', 'up 1', 'frame 3']);
  });

  it('slows a sender down to the buffers of a blocked receiver, and loses nothing once it resumes', async () => {
    const highWater = 8;
    const blocked = gate();
    const handled: number[] = [];
    const peers = new Map<string, PeerAddress>();
    const b = await startNode('B', 0, peers, {
      inboundHighWater: highWater,
      inboundLowWater: 2,
      onMessage: async (_from, _kind, body) => {
        await blocked.wait;
        handled.push((body as { i: number }).i);
      },
    });
    const a = await startNode('A', 0, peers);

    const pad = 'x'.repeat(256 * 1024);
    const frameBytes = encodeFrame(FrameKind.DATA, { i: 0, pad }).length;
    // Everything that can hold frames between A's send and B's handler: B's lane up to the high-water mark
    // plus one socket read (64 KiB) decoded after it, the frame B's handler is stuck on, the kernel's
    // receive and send buffers at their autotuning maximum, A's socket buffer (16 KiB high-water mark) and
    // the one frame that crossed it.
    const { rmem, wmem } = kernelSocketBufferMax();
    const framesPerRead = Math.ceil((64 * 1024) / frameBytes) + 1;
    const bound = highWater + framesPerRead + 1 + Math.ceil((rmem + wmem + 16 * 1024) / frameBytes) + 1;
    const total = bound + 10;

    let accepted = 0;
    const sender = (async () => {
      for (let i = 0; i < total; i++) {
        if (!(await a.mesh.send('B', FrameKind.DATA, { i, pad }))) throw new Error(`frame ${i} dropped`);
        accepted++;
      }
    })();

    const plateau = await settled(() => accepted, 500);
    expect(plateau).toBeLessThan(total);
    expect(plateau).toBeLessThanOrEqual(bound);
    expect(handled).toEqual([]);
    const lane = b.mesh.stats().inbound[0]!;
    expect(lane.paused).toBe(true);
    expect(lane.queuedFrames).toBeLessThanOrEqual(highWater + framesPerRead);
    expect(a.mesh.stats().outbound[0]).toMatchObject({ blocked: true, queuedFrames: 1 });

    blocked.open();
    await sender;
    await until('B handled everything', () => handled.length === total, 10_000);
    expect(handled).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(a.drops).toEqual([]);
  });

  it('gives up a send to a stalled receiver after its timeout', async () => {
    const stalled = gate();
    const peers = new Map<string, PeerAddress>();
    await startNode('B', 0, peers, { inboundHighWater: 2, onMessage: () => stalled.wait });
    const a = await startNode('A', 0, peers);

    const pad = 'x'.repeat(1024 * 1024);
    const { rmem, wmem } = kernelSocketBufferMax();
    const limit = Math.ceil((rmem + wmem) / pad.length) + 10;
    let elapsed: number | undefined;
    for (let i = 0; i < limit && elapsed === undefined; i++) {
      const started = performance.now();
      const ok = await a.mesh.send('B', FrameKind.DATA, { i, pad }, { timeoutMs: 300 });
      if (!ok) elapsed = performance.now() - started;
    }
    stalled.open();
    expect(elapsed).toBeDefined();
    expect(elapsed!).toBeGreaterThanOrEqual(290);
    expect(elapsed!).toBeLessThan(1500);
    expect(a.drops.map((d) => d.reason)).toEqual(['timeout']);
  });

  it('closes a connection that sends an oversize frame', async () => {
    const peers = new Map<string, PeerAddress>();
    const b = await startNode('B', 0, peers, { maxFrameBytes: 1024 });
    const socket = net.connect(b.mesh.address());
    sockets.push(socket);
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('error', () => {});
    const decoder = new FrameDecoder();
    const answers: unknown[] = [];
    socket.on('data', (chunk: Buffer) => {
      for (const f of decoder.push(chunk)) answers.push(f.body);
    });
    socket.write(encodeFrame(FrameKind.HELLO, { from: 'raw', attempt: 0, to: 'B' }));
    await until('B answered HELLO', () => answers.length === 1);
    expect(answers[0]).toEqual({ from: 'B', attempt: 0, to: 'raw' });
    socket.write(encodeFrame(FrameKind.DATA, 'x'.repeat(2000)));
    await closed;
    expect(b.errors).toHaveLength(1);
    expect(b.errors[0]).toBeInstanceOf(FrameError);
    expect((b.errors[0] as FrameError).code).toBe('FRAME_TOO_LARGE');
    expect(b.received).toEqual([]);
  });

  it('refuses a HELLO meant for another worker, and a taken port', async () => {
    const peers = new Map<string, PeerAddress>();
    const b = await startNode('B', 0, peers);
    peers.set('C', b.mesh.address()); // a proxy pointing at the wrong worker
    const a = await startNode('A', 0, peers);
    expect(await a.mesh.send('C', FrameKind.DATA, [])).toBe(false);
    expect(a.drops).toMatchObject([{ peer: 'C', reason: 'unreachable' }]);
    await until('B refused', () => b.mesh.stats().rejectedConnections > 0);
    expect(b.errors[0]?.message).toMatch(/meant for C, this is B/);

    const clash = createMesh({
      selfId: 'D',
      attempt: 0,
      listenPort: b.mesh.address().port,
      peers,
      onMessage: () => {},
    });
    opened.push(clash);
    await expect(clash.listen()).rejects.toBeInstanceOf(PortInUseError);
  });

  it('rejects unknown peers, and closes idempotently, dropping what was batched', async () => {
    const peers = new Map<string, PeerAddress>();
    const a = await startNode('A', 0, peers, { batch: { flushMs: 10_000 } });
    const b = await startNode('B', 0, peers);
    await expect(a.mesh.send('nobody', FrameKind.DATA, [])).rejects.toThrow(/no address for peer nobody/);
    // A programming error, not the user's input: exit 3, not 2.
    await expect(a.mesh.send('nobody', FrameKind.DATA, [])).rejects.toBeInstanceOf(InternalError);
    expect(await a.mesh.whenConnected('B', 5000)).toBe(true);
    expect(await a.mesh.sendBatched('B', { i: 1 })).toBe(true);
    await Promise.all([a.mesh.close(), a.mesh.close()]);
    await a.mesh.close();
    expect(a.drops).toMatchObject([{ peer: 'B', kind: FrameKind.DATA, body: [{ i: 1 }], reason: 'closed' }]);
    expect(await a.mesh.send('B', FrameKind.CONTROL, {})).toBe(false);
    expect(a.mesh.connected('B')).toBe(false);
    expect(b.received).toEqual([]);
    await expect(a.mesh.listen()).rejects.toBeInstanceOf(InternalError);
  });
});
