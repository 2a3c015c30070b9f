/**
 * The load generator's thread (started by generator-thread.ts): builds what `createLoadGenerator` needs from
 * plain data, runs it, and reports to the run's thread by messages. Importing this module outside a worker
 * thread does nothing.
 */

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';
import { createKafka } from '../clients/kafka.ts';
import { getWorkload } from '../scenarios/workloads/index.ts';
import { GENERATOR_PROFILE, profileHarness } from './cpu-profile.ts';
import { createLoadGenerator } from './load-generator.ts';
import { createSchedule, type ScheduleSpec } from './schedule.ts';

/** What the thread is started with (structured-cloned). */
export interface GeneratorThreadConfig {
  bootstrap: string;
  clientId: string;
  topic: string;
  /** The harness pipe's output-shaped records (load-generator.ts). */
  outputShaped: boolean;
  workload: string;
  seed: number;
  dataPath?: string;
  schedule: ScheduleSpec;
  /** Schedule start, µs since the epoch. */
  startUs: number;
  /** Profile the thread into `<profileDir>/generator.cpuprofile`. */
  profileDir?: string;
}

export type GeneratorThreadMessage =
  | { type: 'acked'; from: number; to: number; atUs: number; sentUs: number; attempted: number }
  | { type: 'failed'; from: number; to: number; error: string; attempted: number }
  | { type: 'log'; line: string }
  | { type: 'error'; message: string }
  | { type: 'done'; attempted: number; acked: number; failed: number; lag: string | null };

async function main(config: GeneratorThreadConfig): Promise<void> {
  const port = parentPort!;
  const post = (m: GeneratorThreadMessage) => port.postMessage(m);
  const profiler = config.profileDir ? await profileHarness(GENERATOR_PROFILE) : undefined;
  let last: GeneratorThreadMessage;
  try {
    const source = await getWorkload(config.workload).source({
      seed: config.seed,
      dataPath: config.dataPath,
    });
    const generator = createLoadGenerator({
      kafka: createKafka(config.bootstrap, config.clientId, {}, (line) => post({ type: 'log', line })),
      topic: config.topic,
      outputShaped: config.outputShaped,
      source,
      schedule: createSchedule(config.schedule),
      startUs: config.startUs,
      onAcked: (from, to, atUs, sentUs) =>
        post({ type: 'acked', from, to, atUs, sentUs, attempted: generator.stats().attempted }),
      onFailed: (from, to, e) =>
        post({ type: 'failed', from, to, error: e.message, attempted: generator.stats().attempted }),
    });
    port.on('message', (m: { type: string }) => {
      if (m.type === 'stop') generator.stop();
    });
    const stats = await generator.run();
    last = {
      type: 'done',
      attempted: stats.attempted,
      acked: stats.acked,
      failed: stats.failed,
      lag: stats.lag.totalCount > 0 ? hdr.encodeIntoCompressedBase64(stats.lag) : null,
    };
  } catch (e) {
    last = { type: 'error', message: (e as Error).message };
  }
  // The profile is written before the last message: the run's side ends the thread when it gets it.
  if (profiler && config.profileDir) await profiler.stop(config.profileDir).catch(() => {});
  post(last);
}

if (!isMainThread && parentPort) await main(workerData as GeneratorThreadConfig);
