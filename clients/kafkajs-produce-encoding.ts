/**
 * Faster produce-side encoding for kafkajs, installed before kafkajs loads (as kafkajs-read-committed.ts), with
 * the same bytes on the wire. The harness alone's profile at 75000 events/s (generator thread 96 % busy) put
 * about half of the generator's time in kafkajs's per-record work, two pieces of it avoidable:
 * - `groupMessagesPerPartition` copies each partition's array for every message (`[...current, message]`):
 *   quadratic in a request's messages (7 % of the thread). Here: one push per message, same result.
 * - `recordBatch/record/v0` builds each record in a fresh zero-filled 512-byte Encoder, a one-off Buffer per
 *   varint and a headers array (7 % in it, plus much of the 6 % FastBuffer and 11 % garbage collection). Here: a
 *   record without headers is written once into a Buffer of its exact size, handed on as an Encoder (what the
 *   record batch reads: `.buf`, `.buffer`). Anything else (headers, a timestamp delta outside 32 bits, a key or
 *   value that is neither string, Buffer nor null) goes to kafkajs's own encoder.
 * clients/kafkajs-produce-encoding.test.ts checks the bytes against kafkajs's own for both.
 */
import { replaceKafkajsModule, kafkajsRequire as require } from './kafkajs-module.ts';

interface Message {
  partition?: number;
}
type Partitioner = (args: { topic: string; partitionMetadata: unknown[]; message: Message }) => number;

/** kafkajs's groupMessagesPerPartition, linear: partition → its messages in the order given. */
export function groupMessagesPerPartition({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: {
  topic: string;
  partitionMetadata: unknown[];
  messages: Message[];
  partitioner: Partitioner;
}): Record<number, Message[]> {
  if (partitionMetadata.length === 0) return {};
  const result: Record<number, Message[]> = {};
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const current = result[partition];
    if (current) current.push(message);
    else result[partition] = [message];
  }
  return result;
}

interface RecordArgs {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: string | Buffer | null;
  value?: string | Buffer | null;
  headers?: Record<string, unknown>;
}
type Encoder = { buf: Buffer; offset: number };
interface EncoderClass {
  new (initialSize?: number): Encoder;
  prototype: Encoder;
}

/** Zigzag (Kafka's signed varints) of an int32, as an unsigned 32-bit number. */
const zigzag = (n: number) => ((n << 1) ^ (n >> 31)) >>> 0;

function sizeOfUVarInt(u: number): number {
  let bytes = 1;
  while (u >= 0x80) {
    u >>>= 7;
    bytes++;
  }
  return bytes;
}

function writeUVarInt(buf: Buffer, at: number, u: number): number {
  while (u >= 0x80) {
    buf[at++] = (u & 0x7f) | 0x80;
    u >>>= 7;
  }
  buf[at++] = u;
  return at;
}

const isInt32 = (n: unknown): n is number => typeof n === 'number' && (n | 0) === n;
const simpleBytes = (v: unknown) => v == null || typeof v === 'string' || Buffer.isBuffer(v);
const byteLength = (v: string | Buffer | null | undefined) =>
  v == null ? -1 : typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length;

/**
 * kafkajs's Record v0 encoder with a fast path for a record without headers. Its layout (Kafka's DefaultRecord):
 * length varint, attributes int8, timestamp delta varlong, offset delta varint, key and value as varint-prefixed
 * bytes (−1: null), header count varint.
 */
export function fastRecordEncoder(original: (args: RecordArgs) => Encoder, EncoderClass: EncoderClass) {
  return (args: RecordArgs): Encoder => {
    const { offsetDelta = 0, timestampDelta = 0, key, value, headers } = args;
    if (
      (headers !== undefined && Object.keys(headers).length > 0) ||
      !isInt32(offsetDelta) ||
      !isInt32(timestampDelta) ||
      !simpleBytes(key) ||
      !simpleBytes(value)
    )
      return original(args);
    const keyLength = byteLength(key);
    const valueLength = byteLength(value);
    const body =
      1 +
      sizeOfUVarInt(zigzag(timestampDelta)) +
      sizeOfUVarInt(zigzag(offsetDelta)) +
      sizeOfUVarInt(zigzag(keyLength)) +
      Math.max(keyLength, 0) +
      sizeOfUVarInt(zigzag(valueLength)) +
      Math.max(valueLength, 0) +
      1; // no headers: varint 0
    const size = sizeOfUVarInt(zigzag(body)) + body;
    const buf = Buffer.allocUnsafe(size);
    let at = writeUVarInt(buf, 0, zigzag(body));
    buf[at++] = 0; // attributes
    at = writeUVarInt(buf, at, zigzag(timestampDelta));
    at = writeUVarInt(buf, at, zigzag(offsetDelta));
    for (const [bytes, length] of [
      [key, keyLength],
      [value, valueLength],
    ] as const) {
      at = writeUVarInt(buf, at, zigzag(length));
      if (typeof bytes === 'string') at += buf.write(bytes, at, length, 'utf8');
      else if (bytes) at += bytes.copy(buf, at);
    }
    buf[at++] = 0; // header count
    const encoder = Object.create(EncoderClass.prototype) as Encoder;
    encoder.buf = buf;
    encoder.offset = at;
    return encoder;
  };
}

const recordPath = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/index.js');
/** kafkajs's own record encoder (loaded here first, then replaced in the cache; the test compares with it). */
const cached = require.cache[recordPath]?.exports as
  | { faultline?: true; original: (args: RecordArgs) => Encoder }
  | undefined;
export const kafkajsRecord: (args: RecordArgs) => Encoder =
  cached?.faultline === true ? cached.original : require(recordPath);
const EncoderClass = require('kafkajs/src/protocol/encoder.js') as EncoderClass;
replaceKafkajsModule(
  recordPath,
  Object.assign(fastRecordEncoder(kafkajsRecord, EncoderClass), { original: kafkajsRecord }),
  'kafkajs/src/protocol/requests/produce/v3/request.js',
  'its produce encoding',
);
replaceKafkajsModule(
  'kafkajs/src/producer/groupMessagesPerPartition.js',
  groupMessagesPerPartition.bind(null),
  'kafkajs/src/producer/sendMessages.js',
  'its produce encoding',
);
