/**
 * The worker-side half of the runtime, shared by every multi-process engine: the process's mesh endpoint
 * (links to peers and the coordinator), heartbeats to the coordinator, and clients for Kafka and Redis that go
 * through this worker's own proxies. Engines add their operator logic on top.
 */
import { Redis } from 'ioredis';
import { createKafka, type Kafka, viaProxy } from '../../clients/kafka.ts';
import { systemClock } from '../../core/clock.ts';
import type { WorkerContext } from '../types.ts';
import type { WorkerBoot } from './boot.ts';
import { FrameKind } from './frames.ts';
import { createMesh, type Mesh, type MeshOptions } from './mesh.ts';
import { startMeshStatsLog } from './mesh-stats-log.ts';
import { COORDINATOR_ID } from './supervisor.ts';

export interface WorkerHostHandlers {
  /** Records from an upstream peer (a DATA frame's body). Awaited: frames of one link are handled in order. */
  onData?(from: string, body: unknown): Promise<void> | void;
  /** Control messages (acks, barriers, window markers, coordinator commands). */
  onControl?(from: string, body: ControlMessage): Promise<void> | void;
  onPeerUp?(peer: string, attempt: number): void;
  onPeerDown?(peer: string): void;
}

/** Engine-specific settings of the host; all optional (without them: a bare heartbeat every second). */
export interface WorkerHostOptions extends Pick<MeshOptions, 'batch' | 'onDrop' | 'onLinkDown'> {
  /** Interval of the heartbeat to the coordinator. Default 1000 ms. */
  heartbeatMs?: number;
  /** Extra fields sent with every heartbeat (Apex and Flink report operator state in heartbeats). */
  heartbeatPayload?: () => Record<string, unknown>;
}

export interface ControlMessage {
  type: string;
  [field: string]: unknown;
}

export interface WorkerHost<Options> {
  boot: WorkerBoot<Options>;
  ctx: WorkerContext<WorkerBoot<Options>>;
  mesh: Mesh;
  /** Sends records to a peer; resolves false when they were dropped (peer down, or `timeoutMs` passed). */
  sendData(peer: string, body: unknown, timeoutMs?: number): Promise<boolean>;
  sendControl(peer: string, body: ControlMessage, timeoutMs?: number): Promise<boolean>;
  /** A kafkajs client whose broker connections go through this worker's Kafka proxy. */
  kafka(clientSuffix?: string): Kafka;
  /**
   * An ioredis client through this worker's Redis proxy. `commandTimeoutMs`: a command without an answer in
   * this time rejects (a client's socket timeout, e.g. Jedis' 2 s); without it a command waits for ever.
   */
  redis(opts?: { commandTimeoutMs?: number }): Redis;
  close(): Promise<void>;
}

/** How often a worker beats to its coordinator unless its engine says otherwise. */
export const HEARTBEAT_MS = 1000;

export async function startWorkerHost<Options>(
  ctx: WorkerContext<WorkerBoot<Options>>,
  handlers: WorkerHostHandlers,
  /** Output batching (Flink's network buffers: flushed when full or after `batch.flushMs`), heartbeats. */
  hostOpts: WorkerHostOptions = {},
): Promise<WorkerHost<Options>> {
  const boot = ctx.config;
  const redisClients: Redis[] = [];
  const mesh = meshOf(ctx, {
    ...(hostOpts.batch ? { batch: hostOpts.batch } : {}),
    ...(hostOpts.onDrop ? { onDrop: hostOpts.onDrop } : {}),
    ...(hostOpts.onLinkDown ? { onLinkDown: hostOpts.onLinkDown } : {}),
    onMessage: async (from, kind, body) => {
      if (kind === FrameKind.DATA) await handlers.onData?.(from, body);
      else if (kind === FrameKind.CONTROL) await handlers.onControl?.(from, body as ControlMessage);
    },
    onPeerUp: handlers.onPeerUp,
    onPeerDown: handlers.onPeerDown,
  });
  await mesh.listen();

  let seq = 0;
  const heartbeatMs = hostOpts.heartbeatMs ?? HEARTBEAT_MS;
  const heartbeat = setInterval(() => {
    void mesh.send(
      COORDINATOR_ID,
      FrameKind.CONTROL,
      { ...hostOpts.heartbeatPayload?.(), type: 'heartbeat', seq: seq++, at: systemClock.nowUs() },
      { timeoutMs: heartbeatMs },
    );
  }, heartbeatMs);

  const statsLog = startMeshStatsLog(
    () => mesh.stats(),
    (line) => process.stderr.write(line),
  );

  return {
    boot,
    ctx,
    mesh,
    sendData: (peer, body, timeoutMs) => mesh.send(peer, FrameKind.DATA, body, { timeoutMs }),
    sendControl: (peer, body, timeoutMs) => mesh.send(peer, FrameKind.CONTROL, body, { timeoutMs }),
    kafka: (suffix = '') =>
      createKafka(boot.kafka.bootstrap, `fl-${boot.runId}-${boot.id}${suffix}`, {
        ...(boot.kafka.via ? { socketFactory: viaProxy(boot.kafka.bootstrap, boot.kafka.via) } : {}),
      }),
    redis: (opts = {}) => {
      const r = new Redis({
        host: boot.redis.host,
        port: boot.redis.port,
        maxRetriesPerRequest: null,
        enableAutoPipelining: true,
        ...(opts.commandTimeoutMs ? { commandTimeout: opts.commandTimeoutMs } : {}),
      });
      r.on('error', (e) => process.stderr.write(`${new Date().toISOString()} redis: ${e.message}\n`));
      redisClients.push(r);
      return r;
    },
    async close() {
      clearInterval(heartbeat);
      clearInterval(statsLog);
      await mesh.close();
      for (const r of redisClients) r.disconnect();
    },
  };
}

/** The mesh endpoint of a worker or coordinator process, as its boot config describes it. */
export function meshOf<Options>(
  ctx: WorkerContext<WorkerBoot<Options>>,
  opts: Pick<MeshOptions, 'onMessage'> &
    Partial<Pick<MeshOptions, 'onPeerUp' | 'onPeerDown' | 'batch' | 'onDrop' | 'onLinkDown'>>,
): Mesh {
  const boot = ctx.config;
  return createMesh({
    selfId: boot.id,
    attempt: ctx.attempt,
    listenPort: boot.listen.port,
    host: boot.listen.host,
    peers: new Map(Object.entries(boot.peers)),
    ...opts,
  });
}
