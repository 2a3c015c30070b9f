/**
 * A fix for kafkajs' read_committed filter, installed before kafkajs loads.
 *
 * A broker answers a read_committed fetch with the records up to the last stable offset and a list of the aborted
 * transactions in that range: (producer id, first offset). The client drops a transactional record when its
 * producer has an aborted transaction that began at or before it and whose abort marker it has not yet passed.
 * The Java client keeps that list in a queue ordered by first offset and opens every transaction that began at
 * or before the current batch. kafkajs 2.2.4 (its last release) assumes the list is already in that order and
 * opens at most one transaction per record. The broker lists aborted transactions in the order they ENDED, so when
 * transaction B began after transaction A but was aborted first (a restarted producer pool fencing its ids one by
 * one does exactly that), A's records up to B's first offset reach the consumer as if committed.
 *
 * faultline's 2PC sink and its output collector read through kafkajs, so this is not cosmetic: the collector
 * counted those aborted records as duplicates. Every kafkajs import in faultline goes through
 * `clients/kafka.ts`, whose first import is this module.
 */
import { replaceKafkajsModule } from './kafkajs-module.ts';

interface FetchedRecord {
  offset: string;
  key: Buffer | null;
  isControlRecord?: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}

interface AbortedTransaction {
  producerId: string;
  firstOffset: string;
}

/** An abort marker: a control record whose key is version 0, type 0 (abort); commit is type 1. */
const isAbortMarker = (r: FetchedRecord) =>
  r.isControlRecord === true && r.key !== null && r.key.length >= 4 && r.key.readInt16BE(2) === 0;

/** The records of a fetched partition without those of aborted transactions (the Java client's rule). */
export function filterAbortedRecords<R extends FetchedRecord>({
  messages,
  abortedTransactions,
}: {
  messages: R[];
  abortedTransactions?: AbortedTransaction[] | null;
}): R[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return messages;
  const queue = [...abortedTransactions].sort((a, b) =>
    Number(BigInt(a.firstOffset) - BigInt(b.firstOffset)),
  );
  const aborted = new Set<string>();
  return messages.filter((record) => {
    const offset = BigInt(record.offset);
    while (queue.length > 0 && BigInt(queue[0]!.firstOffset) <= offset)
      aborted.add(String(queue.shift()!.producerId));
    const producer = String(record.batchContext.producerId);
    if (isAbortMarker(record)) {
      aborted.delete(producer);
      return true; // control records are dropped by kafkajs' Batch afterwards
    }
    return !(record.batchContext.inTransaction && aborted.has(producer));
  });
}

replaceKafkajsModule(
  'kafkajs/src/consumer/filterAbortedMessages.js',
  filterAbortedRecords.bind(null),
  'kafkajs/src/consumer/batch.js',
  'its read_committed fix',
);
