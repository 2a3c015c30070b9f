/**
 * Anchoring: the ids that tie every tuple to the tuple tree of the spout message it descends from (PROTOCOLS.md,
 * ack-tree steps 1 and 2; Storm's MessageId, SpoutOutputCollectorImpl and BoltOutputCollectorImpl).
 *
 * - The spout draws a random 64-bit root id, one fresh edge id per destination, and sends
 *   `ack_init(root, xor of edges, spoutTask)` to the acker `ackerFor(root, ackers)`.
 * - A tuple carries its MessageId: for every root it belongs to, the XOR of its edge ids under that root.
 * - A bolt that emits anchored output draws a fresh edge per output per anchor and XORs it into that anchor's
 *   "children XOR"; acking the input sends `ack(root, inputEdge ^ childrenXor)` per root, so one message removes
 *   the input's own edge and adds all its children: the ledger can never reach 0 before the leaves are acked.
 *
 * Ids are unsigned 64-bit `bigint`s (Storm's Java longs, same bit pattern) drawn from the injected Rng, so a run
 * seed fixes every id. On the wire they travel as 16 lowercase hex digits (`encodeId`/`decodeId`): JSON has no
 * 64-bit integers.
 *
 * At-most-once mode (PROTOCOLS.md step 7) uses none of this: tuples carry an empty MessageId, no ack_init is sent.
 */
import type { Rng } from '../../core/rng.ts';

export const U64_MAX = (1n << 64n) - 1n;

/** Why the spout learns a tuple tree failed: a bolt called fail (Storm's "FAIL-STREAM") or the pending map timed it out ("TIMEOUT"). */
export type FailReason = 'explicit' | 'timeout';

/** One root a tuple belongs to, with the XOR of the tuple's edge ids under that root. */
export interface Anchor {
  readonly root: bigint;
  readonly edge: bigint;
}

/** Storm's MessageId (its `anchorsToIds` map) as a list: one entry per distinct root; `[]` = unanchored. */
export type MessageId = readonly Anchor[];

/** A random non-zero 64-bit id. Zero is excluded because XOR-ing 0 is a no-op: a zero edge could complete a tree early. */
export function newEdge(rng: Rng): bigint {
  for (;;) {
    const id = rng.u64();
    if (id !== 0n) return id;
  }
}

/** A random non-zero 64-bit root id (drawn like an edge id, as Storm's `MessageId.generateId` does for both). */
export function newRoot(rng: Rng): bigint {
  return newEdge(rng);
}

export interface SpoutEmit {
  root: bigint;
  /** One fresh edge per destination, in destination order. */
  edges: bigint[];
  /** XOR of `edges`: the value of `ack_init`. 0n with no destinations, and the acker then acks at once, as in Storm. */
  initVal: bigint;
  /** The MessageId the tuple sent to destination i carries: `[{ root, edge: edges[i] }]`. */
  messageIds: MessageId[];
}

/** The ids of one spout emit to `destinations` tasks. Draws the root first, then one edge per destination (Storm's order). */
export function spoutEmit(rng: Rng, destinations: number): SpoutEmit {
  checkCount('destinations', destinations);
  const root = newRoot(rng);
  const edges: bigint[] = [];
  let initVal = 0n;
  for (let i = 0; i < destinations; i++) {
    const edge = newEdge(rng);
    edges.push(edge);
    initVal ^= edge;
  }
  return { root, edges, initVal, messageIds: edges.map((edge) => [{ root, edge }]) };
}

export interface BoltOutput {
  /** The MessageId of each output tuple: one entry per distinct root among the anchors. */
  messageIds: MessageId[];
  /** For each anchor (same index as `anchors`): XOR of the edges drawn under it for these outputs. */
  childrenXor: bigint[];
}

/**
 * The ids of `outputs` tuples anchored to `anchors` (normally the input tuple's MessageId). For each output and each
 * anchor a fresh edge is drawn, XOR-ed into the output's entry for that anchor's root and into the anchor's
 * children XOR. Several emits before one ack: XOR their `childrenXor` element-wise.
 *
 * Storm draws one edge per output per anchor *tuple* and XORs it into every root of that tuple; drawing one per
 * (anchor, root) pair instead gives the same algebra (each edge is added once at creation, removed once at ack) and
 * lets a tuple's anchors be a flat `{ root, edge }[]`. Anchoring to several inputs (a join) works by concatenating
 * their MessageIds: outputs merge entries of the same root by XOR, and each input is later acked with its own slice.
 */
export function boltOutput(rng: Rng, anchors: MessageId, outputs: number): BoltOutput {
  checkCount('outputs', outputs);
  const childrenXor = anchors.map(() => 0n);
  const messageIds: MessageId[] = [];
  for (let o = 0; o < outputs; o++) {
    const byRoot = new Map<bigint, bigint>();
    for (let i = 0; i < anchors.length; i++) {
      const { root } = anchors[i]!;
      const edge = newEdge(rng);
      childrenXor[i]! ^= edge;
      byRoot.set(root, (byRoot.get(root) ?? 0n) ^ edge);
    }
    messageIds.push([...byRoot].map(([root, edge]) => ({ root, edge })));
  }
  return { messageIds, childrenXor };
}

/** The value `ack(root, ·)` carries: removes the input's own edge and adds all of its children's at once. */
export function ackValue(inputEdge: bigint, childrenXor: bigint): bigint {
  return inputEdge ^ childrenXor;
}

/** An `ack(root, val)` message for the acker `ackerFor(root, ackers)`. */
export interface AckMessage {
  root: bigint;
  val: bigint;
}

/**
 * What a bolt sends when it acks an input: one ack per root of the input's MessageId. `childrenXor` is
 * `BoltOutput.childrenXor` for this input (omit it for a bolt that emitted nothing anchored, e.g. the sink).
 */
export function ackMessages(input: MessageId, childrenXor: readonly bigint[] = []): AckMessage[] {
  return input.map((a, i) => ({ root: a.root, val: ackValue(a.edge, childrenXor[i] ?? 0n) }));
}

/** What a bolt sends when it fails an input: `fail(root)` once per distinct root. */
export function failMessages(input: MessageId): bigint[] {
  return [...new Set(input.map((a) => a.root))];
}

/**
 * The acker task index (0..ackers-1) for a root, exactly as Storm's fields grouping on the acker streams picks it:
 * `floorMod(Arrays.deepHashCode([root]), ackers)` = `floorMod(31 + Long.hashCode(root), ackers)` in 32-bit int
 * arithmetic. Every worker must route a root's init, acks and fails to the same acker; this is that function.
 */
export function ackerFor(root: bigint, ackers: number): number {
  if (!Number.isInteger(ackers) || ackers < 1)
    throw new RangeError(`ackers must be an integer >= 1, got ${ackers}`);
  const u = BigInt.asUintN(64, root);
  const longHash = Number(BigInt.asIntN(32, u ^ (u >> 32n)));
  const listHash = (31 + longHash) | 0;
  return ((listHash % ackers) + ackers) % ackers;
}

const ID_PATTERN = /^[0-9a-f]{16}$/;

/** A 64-bit id as 16 lowercase hex digits: the form ids take in JSON. */
export function encodeId(id: bigint): string {
  if (typeof id !== 'bigint' || id < 0n || id > U64_MAX)
    throw new RangeError(`not a 64-bit id: ${String(id)}`);
  return id.toString(16).padStart(16, '0');
}

/** Inverse of `encodeId`; throws on anything that is not exactly 16 lowercase hex digits. */
export function decodeId(s: unknown): bigint {
  if (typeof s !== 'string' || !ID_PATTERN.test(s)) {
    throw new TypeError(`not an encoded 64-bit id (16 lowercase hex digits): ${JSON.stringify(s)}`);
  }
  return BigInt(`0x${s}`);
}

/** A MessageId as JSON can carry it. */
export type WireMessageId = { root: string; edge: string }[];

export function encodeMessageId(m: MessageId): WireMessageId {
  return m.map((a) => ({ root: encodeId(a.root), edge: encodeId(a.edge) }));
}

/** Inverse of `encodeMessageId`; validates the shape and that no root appears twice. */
export function decodeMessageId(w: unknown): MessageId {
  if (!Array.isArray(w))
    throw new TypeError(`not an encoded MessageId (expected an array): ${JSON.stringify(w)}`);
  const seen = new Set<bigint>();
  return w.map((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) {
      throw new TypeError(`not an encoded anchor: ${JSON.stringify(entry)}`);
    }
    const { root, edge } = entry as { root?: unknown; edge?: unknown };
    const anchor = { root: decodeId(root), edge: decodeId(edge) };
    if (seen.has(anchor.root)) throw new TypeError(`root ${String(root)} appears twice in a MessageId`);
    seen.add(anchor.root);
    return anchor;
  });
}

function checkCount(what: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`${what} must be an integer >= 0, got ${n}`);
}
