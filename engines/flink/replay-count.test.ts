import { describe, expect, it } from 'vitest';
import { createReplayCount, currentOffsetMetric } from './replay-count.ts';

describe('flink replay count', () => {
  it('counts what every attempt read beyond the input', () => {
    const count = createReplayCount();
    count.observe([
      { subtask: 0, attempt: 0, recordsOut: 100, offsets: { '0': 99 } },
      { subtask: 1, attempt: 0, recordsOut: 90, offsets: { '1': 89 } },
    ]);
    expect(count.replayed()).toBe(0);
    // Failover: both restart from the checkpoint (offsets 80 and 70) and read on to 150 and 140 records.
    count.observe([
      { subtask: 0, attempt: 1, recordsOut: 70, offsets: { '0': 149 } },
      { subtask: 1, attempt: 1, recordsOut: 70, offsets: { '1': 139 } },
    ]);
    expect(count.replayed()).toBe(100 + 90 + 70 + 70 - 290);
  });

  it("names the source's offset metric as Flink's REST API does", () => {
    expect(currentOffsetMetric('Source__source', 'fl.run-1.in', 1)).toBe(
      'Source__source.KafkaSourceReader.topic.fl_run-1_in.partition.1.currentOffset',
    );
  });
});
