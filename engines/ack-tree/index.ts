/**
 * ack-tree: Apache Storm's guaranteed message processing. Spouts emit tuples under random 64-bit root ids,
 * bolts anchor their outputs and ack their inputs, acker tasks (one per worker) XOR the edges of each tuple
 * tree, and a spout replays a tuple whose tree failed or timed out. Feature state lives in Redis and is not
 * rolled back on replay, so replays can double-count: at-least-once, with duplicates and incorrect scores
 * after faults. With no ackers it is at-most-once. See PROTOCOLS.md, "ack-tree".
 */
import { fileURLToPath } from 'node:url';
import { EV } from '../../core/events.ts';
import { deployProcesses } from '../runtime/deploy.ts';
import { secondsText } from '../runtime/options.ts';
import type { Engine } from '../types.ts';
import { evenSchedule } from './assignment.ts';
import { parseAckTreeOptions, stormReplayHorizonMs } from './options.ts';

const entry = (file: string) => fileURLToPath(new URL(file, import.meta.url));

export const ackTree: Engine = {
  name: 'ack-tree',
  description: 'Apache Storm: XOR acker, tuple timeouts and replay; state in Redis, not rolled back',
  guarantees: ['at-least-once', 'at-most-once'],
  defaultGuarantee: 'at-least-once',
  // Fan-out: the feature bolt anchors one child per branch, so a failure on one branch replays the whole tree.
  topologies: ['chain', 'fan-out'],
  parseOptions: parseAckTreeOptions,
  replayHorizonMs: (raw) => stormReplayHorizonMs(parseAckTreeOptions(raw)),
  // A restarted spout resumes from its last committed offsets; a lost tuple is replayed T..2T after it was
  // emitted; a hung worker is reassigned after the nimbus timeout.
  horizon(raw) {
    const o = parseAckTreeOptions(raw);
    return {
      restorePointMs: o.commitIntervalMs,
      detectionMs: Math.max(o.messageTimeoutS, o.heartbeatTimeoutS) * 1000,
      text: `offset commit ${secondsText(o.commitIntervalMs)} · message timeout ${o.messageTimeoutS} s · heartbeat timeout ${o.heartbeatTimeoutS} s`,
    };
  },
  // Each spout commits its partitions' acked prefix every commitIntervalMs (at-most-once: right after emitting).
  committedOffsets: (raw, guarantee) => ({
    groupInfix: 'spout-',
    intervalMs: guarantee === 'at-most-once' ? 0 : parseAckTreeOptions(raw).commitIntervalMs,
  }),
  async deploy(plan) {
    const options = parseAckTreeOptions(plan.options);
    if (plan.guarantee === 'at-most-once') options.ackers = 0;
    return deployProcesses({
      plan,
      options,
      entries: { coordinator: entry('./nimbus.ts'), worker: () => entry('./worker.ts') },
      // Storm workers talk to every worker hosting a task they send to; with ackers everywhere that is all pairs.
      peerLinks: (_t, processes) =>
        processes.flatMap((a) => processes.filter((b) => b !== a).map((b): [string, string] => [a, b])),
      // topology.workers: executors dealt out to that many worker processes, as Storm's default scheduler does.
      ...(options.workers !== null
        ? {
            hosts: (t) => {
              const workers = options.workers!;
              return evenSchedule(t, workers, options.ackers ?? workers);
            },
          }
        : {}),
      proxied: options.proxied,
      autoRestart: { checkMs: options.supervisorCheckMs },
      replayedBy: (e) => (e.type === EV.tupleReplayed ? Number(e.count ?? 0) : 0),
    });
  },
};
