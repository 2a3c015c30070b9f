import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../core/errors.ts';
import {
  BASE_EVENT_TIME_MS,
  CARD_COUNT,
  type CardState,
  EVENT_SPACING_MS,
  RECENT_PAYMENTS_CAP,
  SPEND_WINDOW_DAYS,
  TRANSACTION_FEATURES,
  type TransactionBody,
  transactions,
} from './transactions.ts';

const feature = (features: number[], name: (typeof TRANSACTION_FEATURES)[number]) =>
  features[TRANSACTION_FEATURES.indexOf(name)]!;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

describe('transactions source', () => {
  it('gives the same event for the same seed and id, and other events for another seed', async () => {
    const a = await transactions.source({ seed: 1 });
    const b = await transactions.source({ seed: 1 });
    const other = await transactions.source({ seed: 2 });
    for (const id of [0, 1, 999, 123_456, 5_000_000]) expect(b.event(id)).toEqual(a.event(id));
    const differing = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter(
      (id) => JSON.stringify(other.event(id)) !== JSON.stringify(a.event(id)),
    );
    expect(differing.length).toBeGreaterThan(8);
  });

  it('is random access: event(5000) does not depend on which ids came before', async () => {
    const fresh = (await transactions.source({ seed: 3 })).event(5000);
    const walked = await transactions.source({ seed: 3 });
    for (let id = 0; id < 5000; id++) walked.event(id);
    expect(walked.event(5000)).toEqual(fresh);
  });

  it('keys by card, with event time strictly increasing in the id and ~20 s apart', async () => {
    const source = await transactions.source({ seed: 1 });
    let previous = -Infinity;
    let outOfOrder = 0;
    let keyNotCard = 0;
    const cards = new Set<string>();
    for (let id = 0; id < 20_000; id++) {
      const { key, body } = source.event(id);
      if (key !== body.card) keyNotCard++;
      if (body.eventTime <= previous) outOfOrder++;
      previous = body.eventTime;
      cards.add(key);
    }
    expect(keyNotCard).toBe(0);
    expect(outOfOrder).toBe(0);
    expect(previous).toBeLessThan(BASE_EVENT_TIME_MS + 20_000 * EVENT_SPACING_MS);
    expect(cards.size).toBeGreaterThan(CARD_COUNT * 0.9);
    expect(cards.size).toBeLessThanOrEqual(CARD_COUNT);
  });

  it('gives bodies that survive JSON (what Kafka carries) unchanged', async () => {
    const source = await transactions.source({ seed: 1 });
    for (let id = 0; id < 1000; id++) {
      const { body } = source.event(id);
      expect(JSON.parse(JSON.stringify(body))).toEqual(body);
    }
  });
});

describe('transactions parse', () => {
  const good: TransactionBody = {
    card: 'card-0001',
    eventTime: BASE_EVENT_TIME_MS,
    amount: 12.5,
    merchant: 'fuel',
  };

  it('adds the merchant risk', () => {
    expect(transactions.parse(good)).toEqual({ ...good, merchantRisk: 0.1 });
  });

  it('rejects malformed bodies with BadInputError', () => {
    for (const body of [
      null,
      { ...good, amount: -1 },
      { ...good, merchant: 'casino-x' },
      { ...good, card: 3 },
    ]) {
      expect(() => transactions.parse(body as unknown as TransactionBody)).toThrow(BadInputError);
    }
  });
});

describe('transactions step', () => {
  const tx = (eventTime: number, amount: number) =>
    transactions.parse({ card: 'card-0007', eventTime, amount, merchant: 'grocery' });

  it('does not mutate the state it is given', () => {
    let state: CardState | undefined;
    for (let i = 0; i < 50; i++) {
      const before = state === undefined ? undefined : structuredClone(state);
      const next = transactions.step(
        state === undefined ? undefined : deepFreeze(state),
        tx(BASE_EVENT_TIME_MS + i * 3_600_000, 10 + i),
        {},
      );
      expect(state).toEqual(before);
      state = next.state;
    }
  });

  it('computes window features: 30-day spend, 24 h count, mean ratio, hours since last', () => {
    const hour = 3_600_000;
    const t0 = BASE_EVENT_TIME_MS + 12 * hour; // noon, not night
    const first = transactions.step(undefined, tx(t0, 10), {});
    expect(feature(first.features, 'firstForCard')).toBe(1);
    expect(feature(first.features, 'count24h')).toBe(0);
    expect(Math.expm1(feature(first.features, 'logHoursSinceLast'))).toBeCloseTo(SPEND_WINDOW_DAYS * 24);
    const second = transactions.step(first.state, tx(t0 + 2 * hour, 30), {});
    expect(feature(second.features, 'count24h')).toBe(1);
    expect(Math.expm1(feature(second.features, 'logHoursSinceLast'))).toBeCloseTo(2);
    expect(Math.exp(feature(second.features, 'logAmountToCardMean'))).toBeCloseTo(3);
    expect(Math.expm1(feature(second.features, 'logSpend30d'))).toBeCloseTo(10);
    // 25 h later the first two fall out of the 24 h count but stay in the 30-day spend...
    const third = transactions.step(second.state, tx(t0 + 27 * hour, 5), {});
    expect(feature(third.features, 'count24h')).toBe(0);
    expect(Math.expm1(feature(third.features, 'logSpend30d'))).toBeCloseTo(40);
    expect(Math.exp(feature(third.features, 'logAmountToCardMean'))).toBeCloseTo(5 / 20);
    // ...and 31 days later all of it is out of the 30-day window.
    const fourth = transactions.step(third.state, tx(t0 + 31 * 24 * hour, 5), {});
    expect(Math.expm1(feature(fourth.features, 'logSpend30d'))).toBeCloseTo(0);
    expect(fourth.state.days).toHaveLength(1);
  });

  it('keeps every card state bounded over 200k events', async () => {
    const source = await transactions.source({ seed: 1 });
    const states = new Map<string, CardState>();
    let largestDays = 0;
    let largestRecent = 0;
    let largestJson = 0;
    for (let id = 0; id < 200_000; id++) {
      const { key, body } = source.event(id);
      const { state } = transactions.step(states.get(key), transactions.parse(body), {});
      states.set(key, state);
      largestDays = Math.max(largestDays, state.days.length);
      largestRecent = Math.max(largestRecent, state.recent.length);
      if (id % 1000 === 0) largestJson = Math.max(largestJson, JSON.stringify(state).length);
    }
    expect(largestDays).toBeLessThanOrEqual(SPEND_WINDOW_DAYS);
    expect(largestRecent).toBeLessThanOrEqual(RECENT_PAYMENTS_CAP);
    expect(largestJson).toBeLessThan(2000);
    // The stream covers ~46 days of event time, so windows really were pruned.
    const longest = Math.max(...[...states.values()].map((s) => s.count));
    expect(longest).toBeGreaterThan(SPEND_WINDOW_DAYS);
  });
});

describe('transactions training data', () => {
  it('has a fraud rate between 5 and 15 % and rows of the declared width', async () => {
    const { train, validation, params } = await transactions.trainingData({ seed: 1, rows: 30_000 });
    expect(train.length + validation.length).toBe(30_000);
    expect(validation.length / 30_000).toBeGreaterThan(0.15);
    expect(validation.length / 30_000).toBeLessThan(0.25);
    const rate = [...train, ...validation].filter((r) => r.label === 1).length / 30_000;
    expect(rate).toBeGreaterThan(0.05);
    expect(rate).toBeLessThan(0.15);
    expect(train[0]!.features).toHaveLength(TRANSACTION_FEATURES.length);
    expect(params).toEqual({});
  });
});
