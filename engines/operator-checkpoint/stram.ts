/**
 * The master (Apex's StreamingContainerManager in the STRAM process, protocol steps 1, 5 and 6):
 * - fixes the window start time (kept in Redis, so a restarted master keeps the same window ids) and hands it
 *   to every operator when it deploys it, with the checkpoint the operator starts from;
 * - hears each operator's heartbeat (its last window and the checkpoints it saved), computes recovery
 *   checkpoints and the committed window, answers with them, and deletes checkpoints nobody needs any more;
 * - detects failures: a worker exit reported by the supervisor (at once), a heartbeat older than the timeout,
 *   a window that does not move for TIMEOUT_WINDOW_COUNT windows; and redeploys the failed operators and
 *   everything downstream of them, each from its recovery checkpoint, through the supervisor. The rest of
 *   the DAG keeps running: same process, same attempt number;
 * - keeps its state in Redis (MasterRecord: what Apex's STRAM saves of its physical plan through its
 *   FSRecoveryHandler and journal): a restarted master deploys an operator from the recovery checkpoint its
 *   predecessor chose. The record is written before the committed window is announced and before an older
 *   checkpoint is deleted, so a successor never names a checkpoint or a buffered window that is gone.
 * Processing modes are per operator (StreamingContainerAgent.createOperatorDeployInfo): an AT_MOST_ONCE or
 * EXACTLY_ONCE operator is deployed with its newest checkpoint in storage rather than its recovery checkpoint,
 * and a redeployed AT_MOST_ONCE operator starts at the next live window (StreamingContainer).
 */
import { Redis } from 'ioredis';
import type { WorkerBoot } from '../runtime/boot.ts';
import { startCoordinatorHost } from '../runtime/coordinator-host.ts';
import type { ControlMessage } from '../runtime/worker-host.ts';
import { runWorker } from '../runtime/worker-main.ts';
import {
  type DeployMessage,
  type HeartbeatReport,
  type MasterRecord,
  parseMasterRecord,
  redisKeys,
} from './messages.ts';
import type { OperatorCheckpointOptions } from './options.ts';
import { modeOf, type ProcessingMode } from './processing-mode.ts';
import {
  advanceCommitted,
  blockedOperators,
  downstreamInstances,
  physicalPlan,
  updateRecoveryCheckpoints,
  type WindowProgress,
} from './recovery.ts';
import { formatWindowId, INITIAL_CHECKPOINT, type WindowClock, windowAt } from './window.ts';

type Boot = WorkerBoot<OperatorCheckpointOptions>;

interface OperatorStatus {
  /** Attempt of the incarnation that registered last. */
  attempt: number;
  /** pending: never deployed yet; redeploying: restart requested, not registered again yet. */
  state: 'pending' | 'active' | 'redeploying';
  checkpoints: number[];
  recovery: number;
  window: number;
  windowChangedAtMs: number;
  /** Last heartbeat of the registered incarnation (or its registration), ms. */
  heartbeatAtMs: number;
}

await runWorker<Boot>(async (ctx) => {
  const boot = ctx.config;
  const o = boot.options;
  const keys = redisKeys(boot.runId);
  const redis = new Redis({
    host: boot.redis.host,
    port: boot.redis.port,
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
  });
  redis.on('error', (e) => logLine(`redis: ${e.message}`));

  // Step 1: the window start time, fixed once per application.
  const first: MasterRecord = { startMs: Date.now(), committed: INITIAL_CHECKPOINT };
  await redis.set(keys.master, JSON.stringify(first), 'NX');
  const stored = parseMasterRecord((await redis.get(keys.master))!);
  const clock: WindowClock = { startMs: stored.startMs, widthMs: o.windowMs };
  let committed = stored.committed;
  /** The committed window in the record: the one operators hear (they purge buffers and window data by it). */
  let announced = stored.committed;

  const host = await startCoordinatorHost<OperatorCheckpointOptions>(ctx, {
    onControl: (from, msg) => onControl(from, msg),
    onHeartbeat: (from, msg) => onHeartbeat(from, msg),
    onWorkerExited: (worker, attempt) => onExited(worker, attempt),
  });
  const plan = physicalPlan(host.topology);
  const modes = new Map<string, ProcessingMode>(
    host.topology.instances.map((i) => [i.id, modeOf(o.processingModes, i.operator)]),
  );
  const status = new Map<string, OperatorStatus>(
    plan.instances.map((id) => {
      const recovery = stored.recovery?.[id] ?? INITIAL_CHECKPOINT;
      return [
        id,
        {
          attempt: 0,
          state: 'pending',
          checkpoints: recovery === INITIAL_CHECKPOINT ? [] : [recovery],
          recovery,
          window: INITIAL_CHECKPOINT,
          windowChangedAtMs: Date.now(),
          heartbeatAtMs: Date.now(),
        },
      ];
    }),
  );

  /**
   * The newest checkpoint of an operator in storage (Apex: StorageAgent.getWindowIds), whether or not a
   * heartbeat reported it yet.
   */
  async function newestStoredCheckpoint(id: string): Promise<number> {
    const prefix = keys.checkpoint(id, 0).slice(0, -1);
    const pattern = `${prefix.replace(/[\\[\]*?]/g, (c) => `\\${c}`)}*`;
    let newest = INITIAL_CHECKPOINT;
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      for (const key of found) {
        const w = Number(key.slice(prefix.length));
        if (Number.isInteger(w) && w > newest) newest = w;
      }
    } while (cursor !== '0');
    return newest;
  }

  /** Deploys a registering operator; registrations repeat until the worker has its deploy message. */
  async function onRegister(from: string, attempt: number) {
    const mode = modes.get(from);
    const s = status.get(from);
    if (!s || !mode || attempt < s.attempt) return; // a zombie of an older incarnation
    // AT_MOST_ONCE and EXACTLY_ONCE: deployed with the newest checkpoint written, not the recovery one (a
    // stateless operator writes none and keeps its recovery checkpoint).
    const newest = mode === 'AT_LEAST_ONCE' ? undefined : await newestStoredCheckpoint(from);
    if (attempt < s.attempt) return;
    const firstRegistration = s.state !== 'active' || attempt !== s.attempt;
    s.attempt = attempt;
    s.state = 'active';
    if (firstRegistration) {
      s.window = INITIAL_CHECKPOINT;
      s.windowChangedAtMs = Date.now();
      s.heartbeatAtMs = Date.now();
      if (newest !== undefined && newest > s.recovery) {
        s.recovery = newest;
        s.checkpoints = [newest];
      }
    }
    // AT_MOST_ONCE: a redeployed operator starts at the next live window; the windows in flight are lost.
    const startWindow =
      mode === 'AT_MOST_ONCE' && attempt > 0 ? windowAt(clock, Date.now()) + 1 : s.recovery + 1;
    const deploy: DeployMessage = {
      type: 'oc.deploy',
      attempt,
      startMs: clock.startMs,
      recovery: s.recovery,
      startWindow,
      committed: announced,
    };
    void host.sendControl(from, deploy);
    if (firstRegistration)
      ctx.emit({
        type: 'operator.deployed',
        target: from,
        targetAttempt: attempt,
        recovery: s.recovery,
        startWindow,
        startWindowId: formatWindowId(clock, startWindow),
        mode,
      });
  }

  function onControl(from: string, msg: ControlMessage) {
    if (msg.type !== 'oc.register') return;
    onRegister(from, Number(msg.attempt)).catch((e: Error) => logLine(`deploying ${from}: ${e.message}`));
  }

  function onHeartbeat(from: string, msg: ControlMessage) {
    const s = status.get(from);
    const report = msg.oc as HeartbeatReport | undefined;
    if (!s || !report) return;
    if (s.state === 'pending' && report.deployed && report.attempt >= s.attempt) {
      // This master restarted and the operator was deployed by its predecessor: take it over as it runs
      // (Apex's STRAM rebuilds its plan from its journal and the containers' heartbeats).
      s.state = 'active';
      s.attempt = report.attempt;
      s.recovery = report.recovery;
      s.windowChangedAtMs = Date.now();
      s.heartbeatAtMs = Date.now();
      ctx.emit({
        type: 'operator.adopted',
        target: from,
        targetAttempt: report.attempt,
        recovery: report.recovery,
      });
    }
    if (s.state !== 'active' || report.attempt !== s.attempt) return;
    s.heartbeatAtMs = Date.now();
    for (const c of report.checkpoints)
      if (c >= s.recovery && !s.checkpoints.includes(c)) s.checkpoints.push(c);
    s.checkpoints.sort((a, b) => a - b);
    if (report.window > s.window) {
      s.window = report.window;
      s.windowChangedAtMs = Date.now();
    }
    void host.sendControl(from, { type: 'oc.committed', committed: announced, recovery: s.recovery });
  }

  function onExited(worker: string, attempt: number) {
    const s = status.get(worker);
    if (!s || attempt < s.attempt) return;
    // The incarnation being replaced exiting is expected; a redeployed one dying before it registered is not.
    if (attempt === s.attempt && s.state === 'redeploying') return;
    fail([worker], `worker exited (attempt ${attempt})`);
  }

  /**
   * Heartbeat timeout, counted from the last heartbeat of the incarnation that registered (or from its
   * registration): a redeployed worker is not blamed for the silence of the one it replaces.
   */
  const checkHeartbeats = () => {
    const now = Date.now();
    const silent = [...status]
      .filter(([, s]) => s.state === 'active' && now - s.heartbeatAtMs > o.heartbeatTimeoutS * 1000)
      .map(([id]) => id);
    for (const id of silent) {
      const silentMs = now - status.get(id)!.heartbeatAtMs;
      ctx.emit({ type: 'worker.heartbeat-timeout', target: id, silentMs });
    }
    if (silent.length > 0) fail(silent, `no heartbeat for ${o.heartbeatTimeoutS} s`);
  };

  /** Step 5: recovery checkpoints, committed window, checkpoint purge. */
  function updateCheckpoints() {
    const update = updateRecoveryCheckpoints(plan, status);
    let moved = false;
    for (const [id, s] of status) {
      const recovery = update.recovery.get(id)!;
      moved ||= recovery !== s.recovery;
      s.recovery = recovery;
      s.checkpoints = update.checkpoints.get(id)!;
    }
    const next = advanceCommitted(committed, update.committed);
    if (moved || next > committed || update.purge.length > 0) journal(next, update.purge);
    if (next > committed) {
      // Sampled: in EXACTLY_ONCE the committed window moves every window or two.
      const crossed =
        committed < 0 ||
        Math.floor(next / o.eventSampleWindows) > Math.floor(committed / o.eventSampleWindows);
      committed = next;
      if (crossed)
        ctx.emit({ type: 'committed.window', window: committed, windowId: formatWindowId(clock, committed) });
    }
  }

  /**
   * Writes the record (committed window and every recovery checkpoint), then, once it is in Redis, announces
   * the committed window and deletes the checkpoints the record no longer names. One connection keeps the
   * writes in order.
   */
  function journal(committedNow: number, purge: [string, number][]) {
    const record: MasterRecord = {
      startMs: clock.startMs,
      committed: committedNow,
      recovery: Object.fromEntries([...status].map(([id, s]) => [id, s.recovery])),
    };
    redis
      .set(keys.master, JSON.stringify(record))
      .then(() => {
        announced = Math.max(announced, committedNow);
        if (purge.length > 0) return redis.unlink(...purge.map(([id, w]) => keys.checkpoint(id, w)));
      })
      .catch((e: Error) => logLine(`journal: ${e.message}`));
  }

  /** Step 6: redeploy the failed operators and their downstream closure from their recovery checkpoints. */
  function fail(failed: string[], reason: string) {
    for (const id of failed)
      ctx.emit({ type: 'operator.failed', target: id, targetAttempt: status.get(id)!.attempt, reason });
    updateCheckpoints();
    const redeploy = downstreamInstances(plan, failed);
    const checkpoints: Record<string, number> = {};
    for (const id of redeploy) {
      const s = status.get(id)!;
      s.state = 'redeploying';
      // Checkpoints after the recovery one describe windows the operator will process again.
      s.checkpoints = s.checkpoints.filter((c) => c <= s.recovery);
      checkpoints[id] = s.recovery;
    }
    ctx.emit({
      type: 'redeploy',
      operators: redeploy,
      failed,
      checkpoints,
      committed,
      modes: Object.fromEntries(redeploy.map((id) => [id, modes.get(id)])),
      reason,
    });
    host.restart(redeploy, reason);
  }

  const timers = [
    setInterval(checkHeartbeats, Math.max(100, Math.min(1000, (o.heartbeatTimeoutS * 1000) / 4))),
    setInterval(() => {
      updateCheckpoints();
      const progress = new Map<string, WindowProgress>(
        [...status].map(([id, s]) => [
          id,
          { window: s.window, changedAtMs: s.windowChangedAtMs, active: s.state === 'active' },
        ]),
      );
      const blocked = blockedOperators(plan, progress, Date.now(), o.timeoutWindowCount * o.windowMs);
      if (blocked.length > 0)
        fail(
          blocked,
          `window has not moved for ${o.timeoutWindowCount} windows (${o.timeoutWindowCount * o.windowMs} ms)`,
        );
    }, o.heartbeatMs),
  ];

  ctx.emit({
    type: 'stram.started',
    startMs: clock.startMs,
    windowMs: o.windowMs,
    modes: o.processingModes,
    committed,
    // A restarted master: the recovery checkpoints its predecessor recorded.
    ...(stored.recovery ? { recovery: stored.recovery } : {}),
  });
  ctx.ready();
  await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  for (const t of timers) clearInterval(t);
  await host.close();
  redis.disconnect();
});

function logLine(line: string): void {
  process.stderr.write(`${new Date().toISOString()} ${line}\n`);
}
