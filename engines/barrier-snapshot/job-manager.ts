/**
 * The job manager: deploys tasks (telling each which checkpoint to restore), runs the checkpoint coordinator,
 * and handles failures the Flink way (protocol step 5): a failed task is detected at once when its process or
 * its connection is lost, or after the heartbeat timeout when it hangs; then ALL tasks are cancelled (a job
 * with a key-by is one pipelined region), the restart delay passes, every task is redeployed with its attempt
 * number incremented, and all restore from the latest completed checkpoint.
 */
import { Redis } from 'ioredis';
import { systemClock } from '../../core/clock.ts';
import { createRng } from '../../core/rng.ts';
import type { WorkerBoot } from '../runtime/boot.ts';
import { startCoordinatorHost } from '../runtime/coordinator-host.ts';
import { topologyFor } from '../runtime/topology.ts';
import { runWorker } from '../runtime/worker-main.ts';
import { CheckpointCoordinator } from './checkpoint-coordinator.ts';
import { checkpointKey, latestCompletedKey, nextCheckpointIdKey } from './checkpoint-storage.ts';
import { asMessage, toControl } from './messages.ts';
import type { BarrierSnapshotOptions } from './options.ts';

/** How often the job manager looks for silent tasks, ms (see watchHeartbeats below). */
const HEARTBEAT_CHECK_MS = 20;

await runWorker<WorkerBoot<BarrierSnapshotOptions>>(async (ctx) => {
  const boot = ctx.config;
  const o = boot.options;
  /**
   * running: every task runs; cancelling: a failover killed every task and waits the restart delay (failures of
   * the cancelled attempt are expected and ignored); restarting: the new attempts are deploying until all run.
   */
  let phase: 'running' | 'cancelling' | 'restarting' = 'running';
  const running = new Set<string>();

  // State first, then the endpoint: a task may register the moment the job manager listens.
  const topology = topologyFor(boot.topology, boot.parallelism);
  const tasks = topology.instances.map((i) => i.id);
  const sources = topology.instances.filter((i) => i.operator === 'source').map((i) => i.id);
  // Seeded per attempt: the run seed fixes the schedule, and a restarted job manager draws afresh.
  const rng = createRng(`${boot.seed}:${boot.id}:${ctx.attempt}`);
  const redis = new Redis({ host: boot.redis.host, port: boot.redis.port, maxRetriesPerRequest: null });

  const latest = await redis.get(latestCompletedKey(boot.runId));
  const nextId = await redis.get(nextCheckpointIdKey(boot.runId));
  const checkpoints = new CheckpointCoordinator(
    {
      tasks,
      intervalMs: o.checkpointIntervalMs,
      timeoutMs: o.checkpointTimeoutMs,
      minPauseMs: o.minPauseMs,
      tolerableFailedCheckpoints: o.tolerableFailedCheckpoints,
      // Flink's CheckpointCoordinator.getRandomInitDelay: uniform in [min pause, interval], at every start.
      initialDelayMs: () =>
        o.minPauseMs + rng.int(Math.max(o.checkpointIntervalMs, o.minPauseMs) - o.minPauseMs + 1),
    },
    {
      latestCompleted: latest === null ? null : Number(latest),
      nextId: nextId === null ? 1 : Number(nextId),
    },
  );
  const completed: number[] = latest === null ? [] : [Number(latest)];
  /** The checkpoint timer's next wake (see checkpointTimer), and whether the job manager is stopping. */
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const host = await startCoordinatorHost(ctx, {
    onControl: (from, body) => {
      const m = asMessage(body);
      if (m.type === 'register') void deploy(from);
      else if (m.type === 'running') {
        running.add(from);
        if (running.size === tasks.length && phase === 'restarting') {
          phase = 'running';
          ctx.emit({ type: 'job.running', restoredFrom: checkpoints.latestCompleted() });
        }
        // Every task running (again): the checkpoint schedule starts.
        if (running.size === tasks.length && phase === 'running') checkpointTimer();
      } else if (m.type === 'ack') void onAck(from, m.id);
      else if (m.type === 'failed') failover(`${from} failed: ${m.cause}`);
      else if (m.type === 'decline') {
        ctx.emit({ type: 'checkpoint.declined', checkpoint: m.id, task: from, reason: m.reason });
        const aborted = checkpoints.abort('declined', true);
        if (aborted) afterAbort(aborted, 'declined');
        checkpointTimer(); // a queued request runs now
      }
    },
    // The supervisor reports only exits of a task's current incarnation that it did not kill.
    onWorkerExited: (worker) => failover(`${worker} exited`),
    onWorkerDisconnected: (worker) => failover(`lost connection to ${worker}`, 'suspected'),
  });

  async function deploy(task: string) {
    await host.sendControl(task, toControl({ type: 'deploy', restoreFrom: checkpoints.latestCompleted() }));
  }

  async function onAck(task: string, id: number) {
    const r = checkpoints.acknowledge(id, task, systemClock.nowMs());
    if (r.kind !== 'completed') return;
    await redis.set(latestCompletedKey(boot.runId), String(id));
    ctx.emit({ type: 'checkpoint.completed', checkpoint: id, durationMs: Math.round(r.durationMs) });
    for (const t of tasks) void host.sendControl(t, toControl({ type: 'notify', id }));
    checkpointTimer(); // a request queued while it was pending runs now
    completed.push(id);
    // Retain the newest completed checkpoints; delete the rest (and anything older that was aborted).
    while (completed.length > o.retainedCheckpoints) {
      const old = completed.shift()!;
      await redis.del(...tasks.map((t) => checkpointKey(boot.runId, old, t)));
    }
  }

  function afterAbort(aborted: { aborted: number; failover: boolean }, reason: string) {
    ctx.emit({ type: 'checkpoint.aborted', checkpoint: aborted.aborted, reason });
    void redis.del(...tasks.map((t) => checkpointKey(boot.runId, aborted.aborted, t)));
    if (aborted.failover)
      failover(
        `checkpoint ${aborted.aborted} ${reason} (tolerable failed checkpoints: ${o.tolerableFailedCheckpoints})`,
      );
  }

  /**
   * A task failed: cancel all, restart all after the delay. While the new attempt deploys, a failure it reports
   * (or its exit, which the supervisor reports only for the current incarnation) starts another failover, as in
   * Flink. Suspicions wait until the job runs again: the cancelled attempt's links may still be closing, and
   * heartbeat silence is still measured from the cancelled attempt's last beat until a new task is ready.
   */
  function failover(cause: string, evidence: 'reported' | 'suspected' = 'reported') {
    if (phase === 'cancelling' || (phase === 'restarting' && evidence === 'suspected')) return;
    phase = 'cancelling';
    running.clear();
    ctx.emit({ type: 'failure.detected', cause, restoreFrom: checkpoints.latestCompleted() });
    const aborted = checkpoints.abort('task failure', false);
    if (aborted) afterAbort(aborted, 'task failure');
    host.kill(tasks, `failover: ${cause}`);
    ctx.emit({ type: 'job.cancelled', tasks: tasks.length });
    setTimeout(() => {
      phase = 'restarting';
      ctx.emit({ type: 'job.restarting', restoreFrom: checkpoints.latestCompleted() });
      host.restart(tasks, `failover: ${cause}`);
    }, o.restartDelayMs);
  }

  /**
   * The checkpoint timer (Flink's single-threaded timer): times out the pending checkpoint, triggers what is due,
   * and sleeps until the coordinator's next wake. Also called at once when something changes what is due: a
   * completion or an abort (a queued request runs then), and the job running or failing over.
   */
  function checkpointTimer() {
    clearTimeout(timer);
    if (stopped) return;
    const now = systemClock.nowMs();
    const expired = checkpoints.checkTimeout(now);
    if (expired) afterAbort(expired, 'expired');
    const id = checkpoints.maybeTrigger(now, phase === 'running' && running.size === tasks.length);
    if (id !== undefined) {
      void redis.set(nextCheckpointIdKey(boot.runId), String(id + 1));
      ctx.emit({ type: 'checkpoint.triggered', checkpoint: id });
      for (const s of sources) void host.sendControl(s, toControl({ type: 'trigger', id }));
    }
    const wake = checkpoints.nextWakeMs();
    if (wake !== undefined) timer = setTimeout(checkpointTimer, Math.max(0, wake - systemClock.nowMs()));
  }
  checkpointTimer();
  // Flink's HeartbeatMonitorImpl reschedules a timeout per target on every heartbeat: a silent task is detected
  // at its last heartbeat + the timeout. A 20 ms check is that within 20 ms (a 1 s poll added up to 1 s).
  host.watchHeartbeats(
    o.heartbeatTimeoutS * 1000,
    (worker, silentMs) => failover(`no heartbeat from ${worker} for ${Math.round(silentMs)} ms`, 'suspected'),
    { checkEveryMs: HEARTBEAT_CHECK_MS },
  );

  // A restarted job manager (the HA case) recovers the job: every task restarts from the latest checkpoint.
  if (ctx.attempt > 0) failover('job manager restarted');
  ctx.ready();
  await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  stopped = true;
  clearTimeout(timer);
  redis.disconnect();
  await host.close();
});
