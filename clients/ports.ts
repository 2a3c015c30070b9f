/** Free-port discovery and checks on the loopback interface. */
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
