/**
 * The load generator on a thread of its own (a worker thread of the harness's process), so that producing and
 * collecting do not share one event loop. On one thread the collector's read times waited behind the
 * generator's batches (a read time late by the time a batch took to encode is latency the engine did not add),
 * and the harness alone (harness-pipe) saturated its thread at ~64000 events/s with the machine 59 % busy.
 *
 * The thread runs `createLoadGenerator` as it ran in the run's own thread: the same schedule (rebuilt from its
 * spec), the same event source (rebuilt from the workload, seed and data file: the same seed and id give the same
 * event) and a Kafka producer of its own. What the run needs comes back as messages: the acknowledged and failed
 * id ranges with the time Kafka acknowledged them, its progress, its Kafka client's log lines, and at the end its
 * statistics (the lag histogram encoded). With `profileDir` the thread profiles itself into
 * `<profileDir>/generator.cpuprofile`, read with the harness's own profile.
 */
import { Worker } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';
import type { GeneratorThreadConfig, GeneratorThreadMessage } from './generator-worker.ts';
import { createLatencyHistogram } from './latency.ts';
import type { LoadGenerator, LoadGeneratorStats } from './load-generator.ts';
import { tsWorkerCode } from './ts-worker.ts';

export type { GeneratorThreadConfig } from './generator-worker.ts';

export interface GeneratorThreadOptions extends GeneratorThreadConfig {
  /**
   * [from, to) acknowledged by Kafka at `atUs`, their request handed to the client at `sentUs` (µs since the
   * epoch, on the generator's thread).
   */
  onAcked: (from: number, to: number, atUs: number, sentUs: number) => void;
  /** [from, to) failed for good (outcome unknown). */
  onFailed?: (from: number, to: number, error: Error) => void;
  /** A line of the thread's Kafka client log. */
  log: (line: string) => void;
}

export function startGeneratorThread(opts: GeneratorThreadOptions): LoadGenerator {
  const { onAcked, onFailed, log, ...config } = opts;
  const live = { attempted: 0, acked: 0, failed: 0 };
  let final: LoadGeneratorStats | undefined;
  let worker: Worker | undefined;
  let stopped = false;
  /** The lag histogram is the thread's until it is done (its statistics come at the end). */
  const noLagYet = createLatencyHistogram();

  function run(): Promise<LoadGeneratorStats> {
    if (worker) throw new Error('the generator thread runs once');
    const w = new Worker(tsWorkerCode(new URL('./generator-worker.ts', import.meta.url)), {
      eval: true,
      workerData: config satisfies GeneratorThreadConfig,
    });
    worker = w;
    if (stopped) w.postMessage({ type: 'stop' });
    // The first of done, error or exit settles it (a later one is ignored by the promise).
    return new Promise<LoadGeneratorStats>((resolve, reject) => {
      w.on('message', (m: GeneratorThreadMessage) => {
        switch (m.type) {
          case 'acked':
            live.attempted = m.attempted;
            live.acked += m.to - m.from;
            onAcked(m.from, m.to, m.atUs, m.sentUs);
            break;
          case 'failed':
            live.attempted = m.attempted;
            live.failed += m.to - m.from;
            onFailed?.(m.from, m.to, new Error(m.error));
            break;
          case 'log':
            log(m.line);
            break;
          case 'error':
            reject(new Error(`the load generator failed: ${m.message}`));
            void w.terminate();
            break;
          case 'done':
            final = {
              attempted: m.attempted,
              acked: m.acked,
              failed: m.failed,
              lag: m.lag ? hdr.decodeFromCompressedBase64(m.lag, 64) : createLatencyHistogram(),
            };
            resolve(final);
            // Its Kafka client may keep idle sockets and timers for a while: the thread is ended, not awaited.
            void w.terminate();
            break;
        }
      });
      w.on('error', reject);
      w.on('exit', (code) =>
        reject(new Error(`the load generator's thread exited with code ${code} before it was done`)),
      );
    });
  }

  return {
    run,
    stop: () => {
      stopped = true;
      worker?.postMessage({ type: 'stop' });
    },
    stats: () => final ?? { ...live, lag: noLagYet },
  };
}
