import { describe, expect, it } from 'vitest';
import { createRng, type Rng } from '../../core/rng.ts';
import { type AckerOutcome, AckLedger } from './acker.ts';
import { ackMessages, boltOutput, type MessageId, spoutEmit } from './anchoring.ts';

/** One message to the acker, with the edges it creates and the edge it acks (for the XOR invariant). */
interface Msg {
  kind: 'init' | 'ack' | 'fail';
  root: bigint;
  val: bigint;
  creates: bigint[];
  acks?: bigint;
}

interface Tree {
  root: bigint;
  spoutTask: number;
  messages: Msg[];
}

/**
 * A random tuple tree built with the anchoring helpers: the spout emits to 1–3 tasks, every tuple above `maxDepth`
 * gets 0–3 anchored children, and every tuple is acked once (its message carries its edge and its children's).
 * With `failOne`, one random bolt tuple is failed instead of acked (its children still run and get acked).
 */
function randomTree(rng: Rng, opts: { failOne?: boolean } = {}): Tree {
  const spoutTask = rng.int(16);
  const maxDepth = 1 + rng.int(4);
  const emit = spoutEmit(rng, 1 + rng.int(3));
  const messages: Msg[] = [{ kind: 'init', root: emit.root, val: emit.initVal, creates: emit.edges }];
  const visit = (tuple: MessageId, depth: number): void => {
    const out = boltOutput(rng, tuple, depth < maxDepth ? rng.int(4) : 0);
    const [ack] = ackMessages(tuple, out.childrenXor);
    const creates = out.messageIds.map((m) => m[0]!.edge);
    expect(ack!.val).toBe(creates.reduce((x, e) => x ^ e, tuple[0]!.edge));
    messages.push({ kind: 'ack', root: ack!.root, val: ack!.val, creates, acks: tuple[0]!.edge });
    for (const child of out.messageIds) visit(child, depth + 1);
  };
  for (const m of emit.messageIds) visit(m, 1);
  if (opts.failOne) {
    const i = 1 + rng.int(messages.length - 1);
    messages[i] = { kind: 'fail', root: emit.root, val: 0n, creates: messages[i]!.creates };
  }
  return { root: emit.root, spoutTask, messages };
}

function shuffled<T>(rng: Rng, xs: readonly T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

function deliver(ledger: AckLedger, tree: Tree, m: Msg): readonly AckerOutcome[] {
  if (m.kind === 'init') return ledger.ackInit(m.root, m.val, tree.spoutTask);
  if (m.kind === 'ack') return ledger.ack(m.root, m.val);
  return ledger.fail(m.root);
}

/** XOR of the edges whose creation or ack (exactly one of the two) the acker has processed. */
class EdgeBook {
  readonly #created = new Set<bigint>();
  readonly #acked = new Set<bigint>();
  record(m: Msg): void {
    if (m.kind === 'fail') return; // a failing bolt sends no ack value: its children are never announced
    for (const e of m.creates) this.#created.add(e);
    if (m.acks !== undefined) this.#acked.add(m.acks);
  }
  outstanding(): bigint {
    let x = 0n;
    for (const e of this.#created) if (!this.#acked.has(e)) x ^= e;
    for (const e of this.#acked) if (!this.#created.has(e)) x ^= e;
    return x;
  }
}

const CASES = 300;

describe('AckLedger: ledger algebra over random trees', () => {
  it('acks exactly once, only after the last message, in any arrival order (acks before the init included)', () => {
    const rng = createRng('acker-complete');
    let ackBeforeInit = 0;
    for (let c = 0; c < CASES; c++) {
      const tree = randomTree(rng);
      const order = shuffled(rng, tree.messages);
      if (order[0]!.kind !== 'init') ackBeforeInit++;
      const ledger = new AckLedger();
      const book = new EdgeBook();
      order.forEach((m, i) => {
        const out = deliver(ledger, tree, m);
        book.record(m);
        if (i < order.length - 1) {
          expect(out).toEqual([]);
          // The ledger is the XOR of emitted-but-unacked edges, and not 0 while the tree is unfinished.
          expect(ledger.ledger(tree.root)!.val).toBe(book.outstanding());
          expect(book.outstanding()).not.toBe(0n);
        } else {
          expect(out).toEqual([{ type: 'ack', root: tree.root, spoutTask: tree.spoutTask }]);
          expect(book.outstanding()).toBe(0n);
          expect(ledger.ledger(tree.root)).toBeUndefined();
          expect(ledger.pendingCount()).toBe(0);
        }
      });
    }
    expect(ackBeforeInit).toBeGreaterThan(CASES / 2);
  });

  it('never completes a tree with one message missing, and drops it on the 3rd tick', () => {
    const rng = createRng('acker-drop');
    for (let c = 0; c < CASES; c++) {
      const tree = randomTree(rng);
      const dropped = rng.int(tree.messages.length);
      const ledger = new AckLedger();
      const book = new EdgeBook();
      for (const m of shuffled(rng, tree.messages).filter((m) => m !== tree.messages[dropped])) {
        expect(deliver(ledger, tree, m)).toEqual([]);
        book.record(m);
      }
      const entry = ledger.ledger(tree.root)!;
      expect(entry.val).toBe(book.outstanding());
      expect(entry.val).not.toBe(0n);
      expect(entry.spoutTask).toBe(dropped === 0 ? undefined : tree.spoutTask);
      expect([ledger.tick(), ledger.tick(), ledger.tick()]).toEqual([[], [], [tree.root]]);
      expect(ledger.pendingCount()).toBe(0);
    }
  });

  it('fails exactly once, as soon as both the fail and the init are in; later acks produce nothing', () => {
    const rng = createRng('acker-fail');
    for (let c = 0; c < CASES; c++) {
      const tree = randomTree(rng, { failOne: true });
      const order = shuffled(rng, tree.messages);
      const failAt = Math.max(
        order.findIndex((m) => m.kind === 'fail'),
        order.findIndex((m) => m.kind === 'init'),
      );
      const ledger = new AckLedger();
      order.forEach((m, i) => {
        const out = deliver(ledger, tree, m);
        const expected =
          i === failAt
            ? [{ type: 'fail', root: tree.root, spoutTask: tree.spoutTask, reason: 'explicit' }]
            : [];
        expect(out).toEqual(expected);
      });
      // Acks after the FAIL leave an orphan entry without a spout task, which only expires.
      const orphan = failAt < order.length - 1;
      expect(ledger.pendingCount()).toBe(orphan ? 1 : 0);
      if (orphan) expect(ledger.ledger(tree.root)!.spoutTask).toBeUndefined();
      ledger.tick();
      ledger.tick();
      ledger.tick();
      expect(ledger.pendingCount()).toBe(0);
    }
  });

  it('gives at most one outcome per root with many trees interleaved and ticks in between', () => {
    const rng = createRng('acker-many');
    for (let c = 0; c < 30; c++) {
      const trees = Array.from({ length: 20 }, (_, i) => {
        const kind = i % 3 === 0 ? 'fail' : i % 3 === 1 ? 'drop' : 'ok';
        const tree = randomTree(rng, { failOne: kind === 'fail' });
        if (kind === 'drop') tree.messages.splice(rng.int(tree.messages.length), 1);
        return { kind, tree };
      });
      const byRoot = new Map(trees.map((t) => [t.tree.root, t]));
      const all = shuffled(
        rng,
        trees.flatMap(({ tree }) => tree.messages.map((m) => ({ tree, m }))),
      );
      const ticks = rng.int(3); // fewer than 3 ticks: no entry can expire before its tree is done
      const tickAt = new Set(Array.from({ length: ticks }, () => rng.int(all.length)));
      const ledger = new AckLedger();
      const outcomes: AckerOutcome[] = [];
      all.forEach(({ tree, m }, i) => {
        if (tickAt.has(i)) ledger.tick();
        outcomes.push(...deliver(ledger, tree, m));
      });
      const roots = outcomes.map((o) => o.root);
      expect(new Set(roots).size).toBe(roots.length);
      for (const o of outcomes) {
        const { kind, tree } = byRoot.get(o.root)!;
        expect(o.spoutTask).toBe(tree.spoutTask);
        expect(o.type).toBe(kind === 'fail' ? 'fail' : 'ack');
        expect(kind).not.toBe('drop');
      }
      expect(outcomes.length).toBe(trees.filter((t) => t.kind !== 'drop').length);
      for (let t = 0; t < 3; t++) ledger.tick();
      expect(ledger.pendingCount()).toBe(0);
    }
  });
});

describe('AckLedger: Storm’s rules', () => {
  it('acks at once an init whose value is 0 (a spout emit with no destinations)', () => {
    const ledger = new AckLedger();
    const e = spoutEmit(createRng(1), 0);
    expect(ledger.ackInit(e.root, e.initVal, 4)).toEqual([{ type: 'ack', root: e.root, spoutTask: 4 }]);
    expect(ledger.pendingCount()).toBe(0);
  });

  it('waits for the spout task: an ack that zeroes the value before the init does not complete', () => {
    const ledger = new AckLedger();
    expect(ledger.ack(1n, 0b11n)).toEqual([]);
    expect(ledger.ack(1n, 0b11n)).toEqual([]);
    expect(ledger.ledger(1n)).toEqual({ val: 0n, spoutTask: undefined, failed: false });
    expect(ledger.ackInit(1n, 0b101n, 2)).toEqual([]);
    expect(ledger.ack(1n, 0b101n)).toEqual([{ type: 'ack', root: 1n, spoutTask: 2 }]);
  });

  it('remembers a fail that overtakes the init and sends FAIL when the init arrives', () => {
    const ledger = new AckLedger();
    expect(ledger.fail(5n)).toEqual([]);
    expect(ledger.ledger(5n)).toEqual({ val: 0n, spoutTask: undefined, failed: true });
    expect(ledger.ackInit(5n, 0b110n, 3)).toEqual([
      { type: 'fail', root: 5n, spoutTask: 3, reason: 'explicit' },
    ]);
    expect(ledger.pendingCount()).toBe(0);
  });

  it('checks val == 0 before failed, as Storm does: a tree complete when its init arrives is acked despite a fail', () => {
    const ledger = new AckLedger();
    ledger.ack(5n, 0b110n);
    ledger.fail(5n);
    expect(ledger.ackInit(5n, 0b110n, 3)).toEqual([{ type: 'ack', root: 5n, spoutTask: 3 }]);
  });

  it('sends one FAIL for two fails; a fail after the ACK produces nothing and only expires', () => {
    const ledger = new AckLedger();
    ledger.ackInit(8n, 1n, 0);
    expect(ledger.fail(8n)).toEqual([{ type: 'fail', root: 8n, spoutTask: 0, reason: 'explicit' }]);
    expect(ledger.fail(8n)).toEqual([]);
    ledger.ackInit(9n, 1n, 0);
    expect(ledger.ack(9n, 1n)).toEqual([{ type: 'ack', root: 9n, spoutTask: 0 }]);
    expect(ledger.fail(9n)).toEqual([]);
    expect(ledger.ack(9n, 1n)).toEqual([]);
    expect(ledger.roots().sort()).toEqual([8n, 9n]);
    expect([ledger.tick(), ledger.tick(), ledger.tick().sort()]).toEqual([[], [], [8n, 9n]]);
  });

  it('expires an entry 3 ticks after it was created; init and ack do not refresh it, fail does', () => {
    const ledger = new AckLedger();
    ledger.ackInit(1n, 0b11n, 0);
    ledger.fail(2n); // no init yet: it stays
    ledger.tick();
    ledger.ack(1n, 0b01n);
    ledger.tick();
    ledger.fail(2n); // refreshes 2, which would have expired on the next tick
    expect(ledger.tick()).toEqual([1n]);
    expect([ledger.tick(), ledger.tick()]).toEqual([[], [2n]]);
    expect(ledger.pendingCount()).toBe(0);
  });

  it('completes two trees joined by one multi-anchored tuple only after the join’s output is acked', () => {
    const rng = createRng('join');
    const ledger = new AckLedger();
    const a = spoutEmit(rng, 1);
    const b = spoutEmit(rng, 1);
    ledger.ackInit(a.root, a.initVal, 0);
    ledger.ackInit(b.root, b.initVal, 1);
    const inA = a.messageIds[0]!;
    const inB = b.messageIds[0]!;
    const join = boltOutput(rng, [...inA, ...inB], 1);
    expect(join.messageIds[0]!.map((x) => x.root)).toEqual([a.root, b.root]);
    for (const m of [
      ...ackMessages(inA, [join.childrenXor[0]!]),
      ...ackMessages(inB, [join.childrenXor[1]!]),
    ]) {
      expect(ledger.ack(m.root, m.val)).toEqual([]);
    }
    const out = ackMessages(join.messageIds[0]!).flatMap((m) => ledger.ack(m.root, m.val));
    expect(out).toEqual([
      { type: 'ack', root: a.root, spoutTask: 0 },
      { type: 'ack', root: b.root, spoutTask: 1 },
    ]);
  });

  it('rejects a spout task that is not a task index', () => {
    expect(() => new AckLedger().ackInit(1n, 1n, -1)).toThrow(RangeError);
  });
});
