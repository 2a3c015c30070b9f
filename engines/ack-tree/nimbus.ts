/**
 * The ack-tree coordinator (Nimbus's role here): it receives every worker's heartbeats and reassigns (asks the
 * supervisor to restart) a worker that has been silent longer than nimbus.task.timeout.secs, e.g. one that
 * hangs under SIGSTOP. Dead processes are the supervisor's business: it restarts them on its own.
 * There is no global protocol state here: in Storm, guaranteed processing lives in spouts and ackers.
 */

import type { WorkerBoot } from '../runtime/boot.ts';
import { startCoordinatorHost } from '../runtime/coordinator-host.ts';
import { runWorker } from '../runtime/worker-main.ts';
import type { AckTreeOptions } from './options.ts';

await runWorker<WorkerBoot<AckTreeOptions>>(async (ctx) => {
  const host = await startCoordinatorHost(ctx, {});
  const o = ctx.config.options;
  host.watchHeartbeats(
    o.heartbeatTimeoutS * 1000,
    (worker, silentMs) => {
      ctx.emit({ type: 'worker.heartbeat-timeout', target: worker, silentMs: Math.round(silentMs) });
      host.restart([worker], `no heartbeat for ${Math.round(silentMs)} ms`);
    },
    { launchTimeoutMs: o.launchTimeoutS * 1000 },
  );
  ctx.ready();
  await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve(), { once: true }));
  await host.close();
});
