import { describe, expect, it } from 'vitest';
import type { MeshStats } from './mesh.ts';
import { MESH_STATS_ENV, meshStatsLine, startMeshStatsLog } from './mesh-stats-log.ts';

const stats = (sent: number, received: number, blocked: boolean): MeshStats => ({
  selfId: 'spout[0]',
  attempt: 0,
  rejectedConnections: 0,
  outbound: [
    {
      peerId: 'features[0]',
      state: 'open',
      peerAttempt: 0,
      blocked,
      queuedFrames: blocked ? 7 : 0,
      batchedRecords: 0,
      framesSent: sent,
      bytesSent: 0,
      framesDropped: 0,
      connects: 1,
      lastError: undefined,
    },
  ],
  inbound: [
    {
      peerId: 'acker[0]',
      attempt: 0,
      connected: true,
      paused: false,
      queuedFrames: 2,
      framesReceived: received,
      bytesReceived: 0,
      connections: 1,
    },
  ],
});

describe("a worker's mesh stats log", () => {
  it('one line per interval: frames since the last one, and where a socket holds the sender back', () => {
    expect(meshStatsLine(stats(10, 4, false), null)).toBe(
      'mesh →features[0] open q0 b0 +10 | ←acker[0] q2 +4',
    );
    expect(meshStatsLine(stats(250, 90, true), stats(10, 4, false))).toBe(
      'mesh →features[0] open q7 b0 +240 BLOCKED | ←acker[0] q2 +86',
    );
  });

  it('is off unless the environment asks for it', () => {
    expect(
      startMeshStatsLog(
        () => stats(0, 0, false),
        () => {},
        {},
      ),
    ).toBeUndefined();
    const lines: string[] = [];
    const timer = startMeshStatsLog(
      () => stats(0, 0, false),
      (l) => lines.push(l),
      { [MESH_STATS_ENV]: '1000' },
    );
    expect(timer).toBeDefined();
    clearInterval(timer);
  });
});
