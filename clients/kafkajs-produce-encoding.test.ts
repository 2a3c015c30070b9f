import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng.ts';
import { groupMessagesPerPartition, kafkajsRecord } from './kafkajs-produce-encoding.ts';
import './kafka.ts';

const require = createRequire(import.meta.url);
/** What kafkajs's produce request now gets when it requires its record encoder. */
const installedRecord =
  require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as typeof kafkajsRecord;
const installedGroup =
  require('kafkajs/src/producer/groupMessagesPerPartition.js') as typeof groupMessagesPerPartition;

const bytes = (e: { buffer?: Buffer; buf: Buffer; offset: number }) =>
  Buffer.from(e.buf.subarray(0, e.offset));

describe('kafkajs produce encoding', () => {
  it('is what kafkajs loads', () => {
    expect(installedRecord).not.toBe(kafkajsRecord);
    expect((installedRecord as unknown as { faultline?: true }).faultline).toBe(true);
    expect((installedGroup as unknown as { faultline?: true }).faultline).toBe(true);
  });

  it("writes the same bytes as kafkajs's record encoder, and kafkajs's own for what it does not handle", () => {
    const r = createRng(7);
    const rng = () => r.next();
    const text = (n: number) =>
      Array.from({ length: n }, () =>
        String.fromCodePoint(rng() < 0.9 ? 32 + Math.floor(rng() * 90) : 0x80 + Math.floor(rng() * 0x3000)),
      ).join('');
    const cases: Parameters<typeof kafkajsRecord>[0][] = [
      { key: null, value: null },
      {},
      { key: '', value: '' },
      { key: 'k', value: Buffer.from([1, 2, 3]), offsetDelta: 63, timestampDelta: 64 },
      { key: 'k', value: 'v', offsetDelta: 2 ** 31 - 1, timestampDelta: -(2 ** 31) },
      { key: 'k', value: 'v', timestampDelta: 2 ** 40 }, // beyond 32 bits: kafkajs's own
      { key: 'k', value: 'v', headers: { h: 'x', many: ['a', 'b'] } }, // headers: kafkajs's own
    ];
    for (let i = 0; i < 1000; i++) {
      const long = rng() < 0.05 ? 20_000 : 400;
      cases.push({
        key: rng() < 0.1 ? null : text(Math.floor(rng() * 40)),
        value: rng() < 0.2 ? Buffer.from(text(Math.floor(rng() * long))) : text(Math.floor(rng() * long)),
        offsetDelta: Math.floor(rng() * 100_000),
        timestampDelta: Math.floor((rng() - 0.5) * 2 ** 32) | 0,
        headers: rng() < 0.5 ? {} : undefined,
      });
    }
    for (const c of cases)
      expect(bytes(installedRecord(c)), JSON.stringify(c).slice(0, 80)).toEqual(bytes(kafkajsRecord(c)));
  });

  it('groups messages per partition in their order, as kafkajs did', () => {
    const messages = Array.from({ length: 50 }, (_, i) => ({ i, partition: (i * 7) % 5 }));
    const partitioner = ({ message }: { message: { partition?: number } }) => message.partition!;
    const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}], messages, partitioner });
    expect(Object.keys(grouped).map(Number).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const [p, list] of Object.entries(grouped))
      expect(list).toEqual(messages.filter((m) => m.partition === Number(p)));
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner })).toEqual(
      {},
    );
  });
});
