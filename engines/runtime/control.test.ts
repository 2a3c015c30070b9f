import { describe, expect, it } from 'vitest';
import type { WorkerMessage } from './control.ts';
import { connectControl, lineReader, startControlServer } from './control.ts';

describe('lineReader', () => {
  it('splits JSON lines across chunk boundaries and skips blank lines', () => {
    const seen: unknown[] = [];
    const feed = lineReader((v) => seen.push(v));
    feed(Buffer.from('{"a":1}\n{"b"'));
    feed(Buffer.from(':2}\n\n{"c":3'));
    expect(seen).toEqual([{ a: 1 }, { b: 2 }]);
    feed(Buffer.from('}\n'));
    expect(seen).toEqual([{ a: 1 }, { b: 2 }, { c: 3 }]);
  });
});

describe('control channel', () => {
  it('gives the expected incarnation its config and carries messages both ways', async () => {
    const server = await startControlServer({ listenHost: '127.0.0.1', advertisedHost: '127.0.0.1' });
    try {
      const up: WorkerMessage[] = [];
      const expected = server.expect('features[1]', 2, {
        config: { answer: 42 },
        onMessage: (m) => up.push(m),
      });
      const worker = await connectControl(server.address(), 'features[1]', 2);
      await expected.connected;
      expect(worker.config).toEqual({ answer: 42 });

      const down: unknown[] = [];
      worker.onMessage((m) => down.push(m));
      worker.send({ type: 'ready' });
      expected.peer.send({ type: 'stopping' });
      await waitUntil(() => up.length === 1 && down.length === 1);
      expect(up).toEqual([{ type: 'ready' }]);
      expect(down).toEqual([{ type: 'stopping' }]);

      // The worker learns that its supervisor is gone.
      let closed = false;
      worker.onClose(() => {
        closed = true;
      });
      await server.close();
      await waitUntil(() => closed);
    } finally {
      await server.close().catch(() => {});
    }
  });

  it('refuses a wrong token or an incarnation it does not expect', async () => {
    const server = await startControlServer({ listenHost: '127.0.0.1', advertisedHost: '127.0.0.1' });
    try {
      server.expect('sink[0]', 0, { config: {}, onMessage: () => {} });
      const bad = { ...server.address(), token: 'forged' };
      await expect(connectControl(bad, 'sink[0]', 0, 600)).rejects.toThrow(/unreachable/);
      await expect(connectControl(server.address(), 'sink[0]', 1, 600)).rejects.toThrow(/unreachable/);
    } finally {
      await server.close();
    }
  });
});

async function waitUntil(cond: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
