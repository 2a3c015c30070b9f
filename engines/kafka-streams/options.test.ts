import { describe, expect, it } from 'vitest';
import { KAFKA_STREAMS_DEFAULTS, kafkaStreamsHorizon, parseKafkaStreamsOptions } from './options.ts';

describe('kafka-streams options', () => {
  it("defaults to Kafka's own settings and takes scaled ones", () => {
    expect(parseKafkaStreamsOptions({})).toEqual(KAFKA_STREAMS_DEFAULTS);
    expect(kafkaStreamsHorizon(KAFKA_STREAMS_DEFAULTS).text).toBe(
      'commit interval 0.1 s · session timeout 45 s',
    );
    expect(parseKafkaStreamsOptions({ jit: 'full' }).jit).toBe('full');
    const o = parseKafkaStreamsOptions({
      commitIntervalMs: 1000,
      sessionTimeoutMs: 5000,
      heartbeatIntervalMs: 1000,
    });
    expect(kafkaStreamsHorizon(o)).toEqual({
      restorePointMs: 1000,
      detectionMs: 5000,
      text: 'commit interval 1 s · session timeout 5 s',
    });
  });

  it('refuses what it cannot do', () => {
    expect(() => parseKafkaStreamsOptions({ nope: 1 })).toThrow(/no option "nope"/);
    expect(() => parseKafkaStreamsOptions({ instances: 0 })).toThrow(/≥ 1/);
    expect(() => parseKafkaStreamsOptions({ threads: 1.5 })).toThrow(/integer/);
    expect(() => parseKafkaStreamsOptions({ proxied: true })).toThrow(/Toxiproxy/);
    expect(() => parseKafkaStreamsOptions({ jit: 'c2' })).toThrow(/jit must be one of c1, full, got "c2"/);
    expect(() => parseKafkaStreamsOptions({ sessionTimeoutMs: 500, heartbeatIntervalMs: 100 })).toThrow(
      /group.min.session.timeout.ms/,
    );
    expect(() => parseKafkaStreamsOptions({ sessionTimeoutMs: 6000 })).toThrow(/a third of sessionTimeoutMs/);
  });
});
