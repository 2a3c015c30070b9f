/** Free-port discovery and checks on the loopback interface. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export const LOOPBACK = '127.0.0.1';

/**
 * Ports this process handed out recently. A port is free when we look but only taken when its user binds it,
 * later: without this, two callers (worker listen ports, then proxy ports) could be handed the same port.
 */
const handedOut = new Set<number>();

/** A port the OS says is free right now (bind to 0, read, close), never one this process handed out before. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await osFreePort();
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (handedOut.size > 20_000) handedOut.delete(handedOut.values().next().value!);
    return port;
  }
}

function osFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, LOOPBACK, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, LOOPBACK, () => srv.close(() => resolve(true)));
  });
}

/** `count` distinct free ports. */
export async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/** Where listen ports are drawn from when the ephemeral range starts too low to leave room below it. */
const LISTEN_FLOOR = 10_000;

/** The kernel's ephemeral port range (ports it hands out for bind(0) and outgoing connections). */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(lo) && Number.isInteger(hi)) return [lo!, hi!];
  } catch {}
  return [32768, 60999];
}

/**
 * `count` distinct free ports for servers that bind them later, in another process, drawn below the kernel's
 * ephemeral range: between choosing and binding, a port the OS hands out for bind(0) (Toxiproxy's link proxies
 * listen on port 0) or for an outgoing connection can no longer be one of them. Falls back to `freePorts`
 * when the ephemeral range leaves no room below it.
 */
export async function freeListenPorts(count: number): Promise<number[]> {
  const [ephemeralLow] = ephemeralRange();
  if (ephemeralLow - LISTEN_FLOOR < count * 10) return freePorts(count);
  const ports: number[] = [];
  for (let tries = 0; ports.length < count && tries < count * 100; tries++) {
    const port = LISTEN_FLOOR + Math.floor(Math.random() * (ephemeralLow - LISTEN_FLOOR));
    if (handedOut.has(port) || !(await isPortFree(port))) continue;
    handedOut.add(port);
    ports.push(port);
  }
  if (ports.length < count) ports.push(...(await freePorts(count - ports.length)));
  return ports;
}
