/**
 * The `transactions` workload (the default; the fraud example): card payments with event time, keyed by card.
 *
 * Generator: ~2000 cards with their own spending profile (log-normal amounts, activity level). Event time grows
 * with the id (20 s of event time per id plus jitter below 20 s, so it is strictly monotone in the id) and each
 * card sees a few payments a day, so the 30-day window fills up during a run. Some payments repeat the card of
 * a payment a few ids earlier (bursts) and some are far above the card's usual amount (spikes).
 *
 * Features (the `features` operator): per-card state folded in id order — spend over the last 30 days of event
 * time (daily buckets), payments in the last 24 h, running mean amount, hours since the previous payment — plus
 * stateless ones (amount, hour of day, merchant category risk). Because ids interleave across cards and event
 * time is monotone in the id, folding in id order is the per-card order every engine preserves.
 *
 * Labels exist for training only: a hidden rule on those same quantities plus per-id noise, so a logistic
 * model has something real but imperfect to learn (validation AUC ≈ 0.87, fraud rate ≈ 9 %).
 */
import { BadInputError } from '../../core/errors.ts';
import { createRng } from '../../core/rng.ts';
import type { EventSource, LabelledRow, Workload, WorkloadOptions } from '../../core/workload.ts';
import { drawsFor, streamKey, uniformAt } from './id-random.ts';

export const CARD_COUNT = 2000;
/** Event time starts here (UTC) and advances EVENT_SPACING_MS per id. */
export const BASE_EVENT_TIME_MS = Date.UTC(2024, 0, 1);
export const EVENT_SPACING_MS = 20_000;
export const SPEND_WINDOW_DAYS = 30;
/** Bound on remembered payment times (24 h window); a card this busy is far outside the generator's range. */
export const RECENT_PAYMENTS_CAP = 64;
/** Hours since the previous payment for a card's first payment, and the cap for all others. */
export const HOURS_SINCE_LAST_CAP = SPEND_WINDOW_DAYS * 24;
const DEFAULT_TRAINING_ROWS = 100_000;

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 24 * MS_PER_HOUR;

/** Merchant categories: how often they occur and how risky they are (0..1), public knowledge to the model. */
export const MERCHANT_CATEGORIES = {
  grocery: { weight: 25, risk: 0.05 },
  restaurant: { weight: 20, risk: 0.1 },
  fuel: { weight: 12, risk: 0.1 },
  pharmacy: { weight: 6, risk: 0.05 },
  clothing: { weight: 10, risk: 0.2 },
  'online-retail': { weight: 12, risk: 0.35 },
  travel: { weight: 5, risk: 0.4 },
  electronics: { weight: 5, risk: 0.55 },
  jewelry: { weight: 2, risk: 0.7 },
  gambling: { weight: 1.5, risk: 0.85 },
  'money-transfer': { weight: 1.5, risk: 0.9 },
} as const;
export type MerchantCategory = keyof typeof MERCHANT_CATEGORIES;

/** What the load generator produces (Kafka value). */
export interface TransactionBody {
  card: string;
  /** Event time, ms since the epoch. */
  eventTime: number;
  amount: number;
  merchant: MerchantCategory;
}

export interface Transaction extends TransactionBody {
  merchantRisk: number;
}

/** Per-card state: plain JSON, bounded (≤ 30 day buckets, ≤ RECENT_PAYMENTS_CAP times). */
export interface CardState {
  /** Payments seen, and their total (running mean = total / count). */
  count: number;
  total: number;
  /** Event time of the latest payment. */
  lastTime: number;
  /** [day number since the epoch, spend that day], ascending, only days inside the 30-day window. */
  days: [number, number][];
  /** Event times of payments in the last 24 h, ascending. */
  recent: number[];
}

export const TRANSACTION_FEATURES = [
  'amount',
  'logAmount',
  'logAmountToCardMean',
  'logSpend30d',
  'count24h',
  'logHoursSinceLast',
  'firstForCard',
  'hourSin',
  'hourCos',
  'isNight',
  'merchantRisk',
] as const;
const F = Object.fromEntries(TRANSACTION_FEATURES.map((name, i) => [name, i])) as Record<
  (typeof TRANSACTION_FEATURES)[number],
  number
>;

interface CardProfile {
  id: string;
  /** log of the card's median amount, and the spread of log amounts. */
  logMedian: number;
  logSpread: number;
}

const categoryNames = Object.keys(MERCHANT_CATEGORIES) as MerchantCategory[];
const categoryCumulative = cumulative(categoryNames.map((c) => MERCHANT_CATEGORIES[c].weight));

function cumulative(weights: number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => {
    sum += w;
    out[i] = sum;
  });
  for (let i = 0; i < out.length; i++) out[i]! /= sum;
  return out;
}

/** Index of the first cumulative weight above u (binary search). */
function pick(cumulativeWeights: Float64Array, u: number): number {
  let lo = 0;
  let hi = cumulativeWeights.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (u < cumulativeWeights[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function cardId(index: number): string {
  return `card-${String(index).padStart(4, '0')}`;
}

function createTransactionSource(opts: WorkloadOptions): EventSource<TransactionBody> {
  const profileRng = createRng(`${opts.seed}:transactions:cards`);
  const profiles: CardProfile[] = [];
  const activity: number[] = [];
  for (let i = 0; i < CARD_COUNT; i++) {
    profiles.push({
      id: cardId(i),
      logMedian: 3.3 + 0.7 * profileRng.normal(),
      logSpread: 0.3 + 0.4 * profileRng.next(),
    });
    activity.push(Math.min(8, Math.max(0.1, Math.exp(0.8 * profileRng.normal()))));
  }
  const activityCumulative = cumulative(activity);
  const eventStream = streamKey(opts.seed, 'transactions:event');
  const cardStream = streamKey(opts.seed, 'transactions:card');
  /** The card an id would get without bursts: a pure function of the id, so bursts can look it up. */
  const baseCard = (id: number) => pick(activityCumulative, uniformAt(cardStream, id, 0));

  return {
    event(id) {
      const draws = drawsFor(eventStream, id);
      const burst = draws.next() < 0.06;
      const burstBack = 1 + draws.int(5);
      const card = profiles[burst && id >= burstBack ? baseCard(id - burstBack) : baseCard(id)]!;
      const eventTime =
        BASE_EVENT_TIME_MS + id * EVENT_SPACING_MS + Math.floor(draws.next() * EVENT_SPACING_MS);
      const merchant = categoryNames[pick(categoryCumulative, draws.next())]!;
      let amount = Math.exp(card.logMedian + card.logSpread * draws.normal());
      const spike = draws.next() < 0.03;
      const spikeFactor = Math.exp(1 + 2 * draws.next());
      if (spike) amount *= spikeFactor;
      amount = Math.max(50, Math.round(amount * 100)) / 100;
      return { key: card.id, body: { card: card.id, eventTime, amount, merchant } };
    },
  };
}

function parseTransaction(body: TransactionBody): Transaction {
  const b = body as Partial<Record<keyof TransactionBody, unknown>> | null;
  if (typeof b !== 'object' || b === null) throw new BadInputError('transaction body is not an object');
  const { card, eventTime, amount, merchant } = b;
  if (typeof card !== 'string' || card === '')
    throw new BadInputError('transaction body: card must be a string');
  if (typeof eventTime !== 'number' || !Number.isFinite(eventTime)) {
    throw new BadInputError('transaction body: eventTime must be a finite number');
  }
  if (typeof amount !== 'number' || !(amount > 0) || !Number.isFinite(amount)) {
    throw new BadInputError('transaction body: amount must be a positive number');
  }
  if (typeof merchant !== 'string' || !Object.hasOwn(MERCHANT_CATEGORIES, merchant)) {
    throw new BadInputError(`transaction body: unknown merchant category ${JSON.stringify(merchant)}`);
  }
  const category = merchant as MerchantCategory;
  return { card, eventTime, amount, merchant: category, merchantRisk: MERCHANT_CATEGORIES[category].risk };
}

function stepCard(
  state: CardState | undefined,
  tx: Transaction,
  _params: Record<string, unknown>,
): { state: CardState; features: number[] } {
  const now = tx.eventTime;
  const today = Math.floor(now / MS_PER_DAY);
  const days = (state?.days ?? []).filter(([day]) => day > today - SPEND_WINDOW_DAYS);
  const recent = (state?.recent ?? []).filter((t) => t > now - MS_PER_DAY);
  let spend30d = 0;
  for (const [, spend] of days) spend30d += spend;
  const meanAmount = state ? state.total / state.count : tx.amount;
  const hoursSinceLast = state
    ? Math.min(HOURS_SINCE_LAST_CAP, Math.max(0, (now - state.lastTime) / MS_PER_HOUR))
    : HOURS_SINCE_LAST_CAP;
  const hour = (((now % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) / MS_PER_HOUR;

  const features = new Array<number>(TRANSACTION_FEATURES.length);
  features[F.amount] = tx.amount;
  features[F.logAmount] = Math.log(tx.amount);
  features[F.logAmountToCardMean] = Math.log(tx.amount / meanAmount);
  features[F.logSpend30d] = Math.log1p(spend30d);
  features[F.count24h] = recent.length;
  features[F.logHoursSinceLast] = Math.log1p(hoursSinceLast);
  features[F.firstForCard] = state ? 0 : 1;
  features[F.hourSin] = Math.sin((2 * Math.PI * hour) / 24);
  features[F.hourCos] = Math.cos((2 * Math.PI * hour) / 24);
  features[F.isNight] = hour < 6 ? 1 : 0;
  features[F.merchantRisk] = tx.merchantRisk;

  const last = days[days.length - 1];
  const nextDays: [number, number][] =
    last && last[0] === today
      ? [...days.slice(0, -1), [today, last[1] + tx.amount]]
      : [...days, [today, tx.amount]];
  recent.push(now);
  const nextState: CardState = {
    count: (state?.count ?? 0) + 1,
    total: (state?.total ?? 0) + tx.amount,
    lastTime: now,
    days: nextDays,
    recent: recent.length > RECENT_PAYMENTS_CAP ? recent.slice(-RECENT_PAYMENTS_CAP) : recent,
  };
  return { state: nextState, features };
}

/**
 * The hidden fraud rule the labels come from (never shown to the model): big amounts for the card, bursts,
 * night, risky merchants and rapid repeats raise the odds; per-id noise decides. Pure in (seed, id, features).
 */
function fraudLabel(labelStream: number, id: number, features: readonly number[]): 0 | 1 {
  const ratio = Math.exp(features[F.logAmountToCardMean]!);
  const count24h = features[F.count24h]!;
  const hoursSinceLast = Math.expm1(features[F.logHoursSinceLast]!);
  const z =
    -5.5 +
    3 * (ratio > 3 ? 1 : 0) +
    Math.min(3, Math.max(-1, Math.log(ratio))) +
    0.2 * Math.min(count24h, 8) +
    2 * features[F.isNight]! +
    4 * features[F.merchantRisk]! +
    2 * (hoursSinceLast < 0.25 ? 1 : 0);
  return uniformAt(labelStream, id, 0) < 1 / (1 + Math.exp(-z)) ? 1 : 0;
}

async function transactionTrainingData(opts: WorkloadOptions & { rows?: number }) {
  const rows = opts.rows ?? DEFAULT_TRAINING_ROWS;
  const source = createTransactionSource(opts);
  const labelStream = streamKey(opts.seed, 'transactions:label');
  const splitStream = streamKey(opts.seed, 'transactions:split');
  const cards = new Map<string, CardState>();
  const inTraining = new Map<string, boolean>();
  const train: LabelledRow[] = [];
  const validation: LabelledRow[] = [];
  // Fold the stream from id 0 in id order, exactly as the pipeline does from the start of a run; split by card
  // (80/20, seeded) so no card's history is on both sides.
  for (let id = 0; id < rows; id++) {
    const { key, body } = source.event(id);
    const { state, features } = stepCard(cards.get(key), parseTransaction(body), {});
    cards.set(key, state);
    let isTraining = inTraining.get(key);
    if (isTraining === undefined) {
      isTraining = uniformAt(splitStream, Number(key.slice(5)), 0) < 0.8;
      inTraining.set(key, isTraining);
    }
    (isTraining ? train : validation).push({ features, label: fraudLabel(labelStream, id, features) });
  }
  return { train, validation, params: {} };
}

export const transactions = {
  name: 'transactions',
  description: 'card payments with event time keyed by card; 30-day/24-hour per-card features; fraud score',
  featureVersion: 1,
  featureNames: TRANSACTION_FEATURES,
  source: async (opts) => createTransactionSource(opts),
  parse: parseTransaction,
  step: stepCard,
  trainingData: transactionTrainingData,
} satisfies Workload<TransactionBody, Transaction, CardState> & { featureVersion: number };
