import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../core/errors.ts';
import { ackTree } from './index.ts';
import { parseAckTreeOptions, STORM_DEFAULTS } from './options.ts';
import { STORM_RETRY_BACKOFF } from './retry-service.ts';

describe('ack-tree options', () => {
  it("defaults to Storm's values, KafkaSpoutConfig.DEFAULT_RETRY_SERVICE's back-off included", () => {
    expect(parseAckTreeOptions({})).toEqual(STORM_DEFAULTS);
    expect(STORM_DEFAULTS).toMatchObject({
      messageTimeoutS: 30,
      maxSpoutPending: null,
      commitIntervalMs: 30_000,
      retryInitialDelayMs: 0,
      retryDelayPeriodMs: 2,
      retryMaxDelayMs: 10_000,
      maxRetries: null,
    });
    const { retryInitialDelayMs, retryDelayPeriodMs, retryMaxDelayMs, maxRetries } = STORM_DEFAULTS;
    expect({
      initialDelayMs: retryInitialDelayMs,
      delayPeriodMs: retryDelayPeriodMs,
      maxDelayMs: retryMaxDelayMs,
      maxRetries,
    }).toEqual(STORM_RETRY_BACKOFF);
  });

  it('accepts the back-off scaled down, from the CLI as strings too; maxRetries unbounded or a count', () => {
    expect(
      parseAckTreeOptions({ retryMaxDelayMs: '1667', retryInitialDelayMs: 5, maxRetries: '3' }),
    ).toMatchObject({ retryMaxDelayMs: 1667, retryInitialDelayMs: 5, maxRetries: 3 });
    expect(parseAckTreeOptions({ maxRetries: 'unbounded' }).maxRetries).toBeNull();
    expect(parseAckTreeOptions({ maxRetries: null }).maxRetries).toBeNull();
  });

  it('refuses a negative delay or a fractional retry count, naming the option', () => {
    expect(() => parseAckTreeOptions({ retryDelayPeriodMs: -2 })).toThrow(BadInputError);
    expect(() => parseAckTreeOptions({ retryMaxDelayMs: 'soon' })).toThrow(/retryMaxDelayMs/);
    expect(() => parseAckTreeOptions({ maxRetries: 2.5 })).toThrow(/maxRetries must be an integer/);
  });

  it("batching: Storm's producer batch size (1: none) and flush interval, whole tuples, flushed at least every ms", () => {
    expect(STORM_DEFAULTS).toMatchObject({ producerBatchSize: 1, batchFlushIntervalMs: 1 });
    expect(parseAckTreeOptions({ producerBatchSize: '100', batchFlushIntervalMs: 5 })).toMatchObject({
      producerBatchSize: 100,
      batchFlushIntervalMs: 5,
    });
    expect(() => parseAckTreeOptions({ producerBatchSize: 0 })).toThrow(
      /producerBatchSize must be an integer ≥ 1/,
    );
    expect(() => parseAckTreeOptions({ batchFlushIntervalMs: 0 })).toThrow(
      /batchFlushIntervalMs must be a number ≥ 1/,
    );
  });

  it("topology.workers: one process per executor unless given (Storm's own default is 1), a whole count ≥ 1", () => {
    expect(STORM_DEFAULTS.workers).toBeNull();
    expect(parseAckTreeOptions({ workers: '2' }).workers).toBe(2);
    expect(parseAckTreeOptions({ workers: null }).workers).toBeNull();
    expect(() => parseAckTreeOptions({ workers: 0 })).toThrow(/workers must be an integer ≥ 1/);
    expect(() => parseAckTreeOptions({ workers: 1.5 })).toThrow(/workers must be an integer/);
  });

  it('the drain waits out a replay: 2 × the message timeout, the max retry delay and the supervisor check', () => {
    expect(ackTree.replayHorizonMs?.({})).toBe(2 * 30_000 + 10_000 + 3_000);
    expect(ackTree.replayHorizonMs?.({ messageTimeoutS: 5, retryMaxDelayMs: 1667 })).toBe(14_667);
  });
});
