import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freeListenPorts, freePort, freePorts, isPortFree, LOOPBACK } from './ports.ts';

describe('loopback ports', () => {
  it('hands out distinct free ports, never the same one twice', async () => {
    const ports = await freePorts(5);
    expect(new Set(ports).size).toBe(5);
    const next = await freePort();
    expect(ports).not.toContain(next);
    expect(await isPortFree(next)).toBe(true);
  });

  it('sees a port as taken while something listens on it', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((r) => server.listen(port, LOOPBACK, r));
    try {
      expect(await isPortFree(port)).toBe(false);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
    expect(await isPortFree(port)).toBe(true);
  });
});

describe('freeListenPorts', () => {
  it('hands out distinct free ports below the kernel ephemeral range, where bind(0) cannot take them', async () => {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports = await freeListenPorts(20);
    expect(new Set(ports).size).toBe(20);
    for (const p of ports) {
      expect(p).toBeLessThan(low);
      expect(await isPortFree(p)).toBe(true);
    }
  });
});
