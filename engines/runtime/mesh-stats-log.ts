/**
 * A worker's mesh as one log line per interval, for finding where an engine waits (issue 22): with
 * `FAULTLINE_MESH_STATS_MS=<ms>` in the environment, every worker writes `mesh …` to its log (workers/<id>.log)
 * that often: per outbound link its state, frames queued, records batched, frames sent in the interval and
 * BLOCKED while its socket is above the high-water mark (the peer reads slower than we write); per inbound lane
 * frames waiting to be handled, frames received in the interval and PAUSED while its socket is paused.
 */
import type { MeshStats } from './mesh.ts';

/** The environment variable that turns the log on, and its interval. */
export const MESH_STATS_ENV = 'FAULTLINE_MESH_STATS_MS';

/** One line from two snapshots (`before` null: counts since the start). */
export function meshStatsLine(now: MeshStats, before: MeshStats | null): string {
  const sentBefore = new Map(before?.outbound.map((o) => [o.peerId, o.framesSent]) ?? []);
  const receivedBefore = new Map(before?.inbound.map((i) => [i.peerId, i.framesReceived]) ?? []);
  const out = now.outbound.map(
    (o) =>
      `→${o.peerId} ${o.state} q${o.queuedFrames} b${o.batchedRecords} +${o.framesSent - (sentBefore.get(o.peerId) ?? 0)}${o.blocked ? ' BLOCKED' : ''}`,
  );
  const inb = now.inbound.map(
    (i) =>
      `←${i.peerId} q${i.queuedFrames} +${i.framesReceived - (receivedBefore.get(i.peerId) ?? 0)}${i.paused ? ' PAUSED' : ''}`,
  );
  return `mesh ${[...out, ...inb].join(' | ')}`;
}

/** Starts the log if the environment asks for it; returns the timer to clear at close. */
export function startMeshStatsLog(
  stats: () => MeshStats,
  write: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): NodeJS.Timeout | undefined {
  const ms = Number(env[MESH_STATS_ENV]);
  if (!(ms > 0)) return undefined;
  let before: MeshStats | null = null;
  return setInterval(() => {
    const now = stats();
    write(`${new Date().toISOString()} ${meshStatsLine(now, before)}\n`);
    before = structuredClone(now);
  }, ms);
}
