import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import './kafka.ts';
import { filterAbortedRecords } from './kafkajs-read-committed.ts';

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);
const record = (offset: number, producerId: string, opts: { control?: Buffer; key?: Buffer } = {}) => ({
  offset: String(offset),
  key: opts.control ?? opts.key ?? Buffer.from(`k${offset}`),
  value: opts.control ? null : Buffer.from(String(offset)),
  isControlRecord: opts.control !== undefined,
  batchContext: { producerId, inTransaction: true },
});

/**
 * One partition as the broker returns it after a producer pool was fenced id by id: transaction A (producer 5)
 * began at offset 2, transaction B (producer 1) at offset 5; B was aborted first, then A; C (producer 9)
 * committed in between. The broker lists aborted transactions in the order they ended: B, then A.
 */
const partition = () => ({
  messages: [
    record(0, '9'),
    record(1, '9', { control: COMMIT }),
    record(2, '5'),
    record(3, '5'),
    record(4, '9'),
    record(5, '1'),
    record(6, '5'),
    record(7, '1', { control: ABORT }),
    record(8, '5', { control: ABORT }),
    record(9, '9', { control: COMMIT }),
    record(10, '1'),
  ],
  abortedTransactions: [
    { producerId: '1', firstOffset: '5' },
    { producerId: '5', firstOffset: '2' },
  ],
});
const dataOffsets = (records: { offset: string; isControlRecord: boolean }[]) =>
  records.filter((r) => !r.isControlRecord).map((r) => Number(r.offset));

describe('read_committed filter', () => {
  it('drops every record of an aborted transaction, whatever order the broker lists them in', () => {
    // 0 and 4 are C's (committed); 10 is producer 1's next transaction, after its abort marker.
    expect(dataOffsets(filterAbortedRecords(partition()))).toEqual([0, 4, 10]);
  });

  it("is what kafkajs' Batch uses once faultline's kafka module is loaded", () => {
    const require = createRequire(import.meta.url);
    const Batch = require('kafkajs/src/consumer/batch.js') as new (
      topic: string,
      fetchedOffset: string,
      data: ReturnType<typeof partition> & { partition: number; highWatermark: string },
    ) => { messages: { offset: string }[] };
    const batch = new Batch('t', '0', { ...partition(), partition: 0, highWatermark: '11' });
    expect(batch.messages.map((m) => Number(m.offset))).toEqual([0, 4, 10]);
  });

  it('keeps a non-transactional record whose key looks like an abort marker', () => {
    const plain = {
      ...record(3, '5', { key: ABORT }),
      batchContext: { producerId: '5', inTransaction: false },
    };
    const out = filterAbortedRecords({
      messages: [record(2, '5'), plain],
      abortedTransactions: [{ producerId: '5', firstOffset: '2' }],
    });
    expect(out.map((r) => Number(r.offset))).toEqual([3]);
  });
});
