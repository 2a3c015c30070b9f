/**
 * The control channel between the supervisor (in the runner) and a worker it cannot reach over IPC: a worker in
 * a container. One TCP connection per worker incarnation, newline-delimited JSON both ways:
 *
 *   worker → supervisor  {"type":"hello","id":"features[1]","attempt":2,"token":"…"}
 *   supervisor → worker  {"type":"boot","config":{…}}
 *   then                 WorkerMessage lines up, parent messages (worker.exited, stopping, …) down.
 *
 * The boot config travels here rather than in the container's environment, so a restarted incarnation gets
 * the config of its attempt. The token (per deployment) keeps a stray connection from posing as a worker. When
 * the connection closes the worker stops, as a local worker does when its IPC channel disconnects.
 */
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { systemClock } from '../../core/clock.ts';
import type { EngineEvent } from '../../core/types.ts';

/** Messages a worker sends its parent (the supervisor), over IPC or over this channel. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'event'; event: EngineEvent }
  /** From a coordinator to the supervisor that started it: restart or kill workers. */
  | { type: 'supervise'; command: 'restart' | 'kill'; workers: string[]; reason: string };

/** A local worker's boot (`{ id, attempt, config }` as JSON): set by the launcher, read by the worker main. */
export const WORKER_CONFIG_ENV = 'FAULTLINE_WORKER_CONFIG';
/** A containerised worker's way back to its supervisor: a ControlAddress plus `id` and `attempt`, as JSON. */
export const CONTROL_ENV = 'FAULTLINE_CONTROL';

/** What a containerised worker finds in FAULTLINE_CONTROL (JSON). */
export interface ControlAddress {
  host: string;
  port: number;
  token: string;
}

interface Registration {
  config: unknown;
  onMessage(m: WorkerMessage): void;
}

type Pending = Registration & { socket?: Socket; connected: () => void; closed: () => void };

export interface ControlPeer {
  send(message: unknown): void;
  readonly connected: boolean;
}

export interface ControlServer {
  /** The address workers are given (advertised host, bound port). */
  address(): ControlAddress;
  /** Expects incarnation `attempt` of worker `id`; it gets `config` when it says hello. */
  expect(
    id: string,
    attempt: number,
    reg: Registration,
  ): { peer: ControlPeer; connected: Promise<void>; closed: Promise<void> };
  close(): Promise<void>;
}

/** Splits a byte stream into JSON lines. */
export function lineReader(onLine: (value: unknown) => void): (chunk: Buffer) => void {
  let buffered = '';
  return (chunk) => {
    buffered += chunk.toString('utf8');
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.trim()) onLine(JSON.parse(line));
      nl = buffered.indexOf('\n');
    }
  };
}

const writeLine = (socket: Socket, message: unknown) => {
  if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
};

export async function startControlServer(opts: {
  /** Interface to bind (the docker network's gateway, or 0.0.0.0 inside a container). */
  listenHost: string;
  /** Host name or address workers connect to. */
  advertisedHost: string;
}): Promise<ControlServer> {
  const token = randomBytes(12).toString('hex');
  const pending = new Map<string, Pending>();
  const key = (id: string, attempt: number) => `${id}#${attempt}`;
  const sockets = new Set<Socket>();

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    let reg: Pending | undefined;
    socket.on(
      'data',
      lineReader((value) => {
        const m = value as { type?: string; id?: string; attempt?: number; token?: string };
        if (!reg) {
          const found =
            m.type === 'hello' && m.token === token ? pending.get(key(m.id!, m.attempt!)) : undefined;
          if (!found) {
            socket.destroy();
            return;
          }
          reg = found;
          reg.socket = socket;
          writeLine(socket, { type: 'boot', config: reg.config });
          reg.connected();
          return;
        }
        reg.onMessage(value as WorkerMessage);
      }),
    );
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      reg?.closed();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, opts.listenHost, () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  return {
    address: () => ({ host: opts.advertisedHost, port, token }),
    expect(id, attempt, reg) {
      let connected!: () => void;
      let closed!: () => void;
      const connectedP = new Promise<void>((r) => {
        connected = r;
      });
      const closedP = new Promise<void>((r) => {
        closed = r;
      });
      const entry: Pending = { ...reg, connected, closed };
      pending.set(key(id, attempt), entry);
      const peer: ControlPeer = {
        send: (message) => {
          if (entry.socket) writeLine(entry.socket, message);
        },
        get connected() {
          return entry.socket !== undefined && !entry.socket.destroyed;
        },
      };
      return { peer, connected: connectedP, closed: closedP };
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Worker side: connects (retrying while the runner's port is not reachable yet), says hello, and resolves with
 * the boot config and the channel.
 */
export async function connectControl(
  address: ControlAddress,
  id: string,
  attempt: number,
  timeoutMs = 30_000,
): Promise<{
  config: unknown;
  send(m: WorkerMessage): void;
  onMessage(handler: (m: unknown) => void): void;
  onClose(handler: () => void): void;
}> {
  const deadline = systemClock.nowMs() + timeoutMs;
  for (;;) {
    try {
      return await attemptConnect(address, id, attempt);
    } catch (e) {
      if (systemClock.nowMs() > deadline)
        throw new Error(
          `control channel ${address.host}:${address.port} unreachable: ${(e as Error).message}`,
        );
      await systemClock.sleep(250);
    }
  }
}

function attemptConnect(address: ControlAddress, id: string, attempt: number) {
  return new Promise<Awaited<ReturnType<typeof connectControl>>>((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port });
    socket.setNoDelay(true);
    const handlers: ((m: unknown) => void)[] = [];
    const closeHandlers: (() => void)[] = [];
    let booted = false;
    socket.once('connect', () => writeLine(socket, { type: 'hello', id, attempt, token: address.token }));
    socket.on(
      'data',
      lineReader((value) => {
        const m = value as { type?: string; config?: unknown };
        if (!booted && m.type === 'boot') {
          booted = true;
          resolve({
            config: m.config,
            send: (message) => writeLine(socket, message),
            onMessage: (h) => handlers.push(h),
            onClose: (h) => closeHandlers.push(h),
          });
          return;
        }
        for (const h of handlers) h(value);
      }),
    );
    socket.on('error', (e) => {
      if (!booted) reject(e);
    });
    socket.on('close', () => {
      if (!booted) reject(new Error('closed before boot'));
      else for (const h of closeHandlers) h();
    });
  });
}
