/**
 * The `titanic` workload: the public Titanic passenger list replayed as an endless stream, keyed by ticket,
 * scored for survival. A small real dataset whose classic feature engineering (titles, family size, fare per
 * person, age imputed per title) exercises model parameters learnt from the training split (`params`).
 *
 * Stream: id → loop = floor(id / n), position id mod n in a seeded permutation of the n passengers for that
 * loop (random access; the last few permutations are cached). Body = the passenger's CSV fields as JSON
 * values plus the loop number; the Survived label never enters the stream.
 *
 * Per-ticket state: the distinct passengers seen on the ticket so far (≤ 16 ids; the largest real group is
 * 11). It gives `ticketCompanionsSeen` and the group size the fare is divided by (fares are per ticket).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadInputError } from '../../core/errors.ts';
import { createRng } from '../../core/rng.ts';
import { median } from '../../core/stats.ts';
import type { EventSource, LabelledRow, Workload, WorkloadOptions } from '../../core/workload.ts';
import { parseCsvObjects } from './csv.ts';

export const TITANIC_CSV_ENV = 'FAULTLINE_TITANIC_CSV';
export const TITANIC_COLUMNS = [
  'Passengerid',
  'Survived',
  'Pclass',
  'Name',
  'Sex',
  'Age',
  'SibSp',
  'Parch',
  'Ticket',
  'Fare',
  'Cabin',
  'Embarked',
] as const;
/** Bound on remembered passenger ids per ticket. */
export const TICKET_PASSENGERS_CAP = 16;
const TRAINING_SHARE = 0.8;
const PERMUTATION_CACHE_SIZE = 4;

const TITLES = ['Mr', 'Mrs', 'Miss', 'Master', 'Rare'] as const;
export type Title = (typeof TITLES)[number];
const TITLE_ALIASES: Record<string, Title> = {
  Mr: 'Mr',
  Mrs: 'Mrs',
  Mme: 'Mrs',
  Miss: 'Miss',
  Mlle: 'Miss',
  Ms: 'Miss',
  Master: 'Master',
};

/** What the load generator produces (Kafka value): the CSV fields, typed, without the label. */
export interface PassengerBody {
  passengerId: number;
  pclass: number;
  name: string;
  sex: string;
  age: number | null;
  sibSp: number;
  parch: number;
  ticket: string;
  fare: number | null;
  cabin: string;
  embarked: string;
  /** Which replay of the passenger list this event belongs to. */
  loop: number;
}

export interface Passenger {
  passengerId: number;
  pclass: 1 | 2 | 3;
  female: boolean;
  title: Title;
  age: number | null;
  sibSp: number;
  parch: number;
  ticket: string;
  fare: number | null;
  hasCabin: boolean;
  /** Missing ports count as S, where most passengers boarded. */
  embarked: 'C' | 'Q' | 'S';
}

export interface TicketState {
  /** Distinct passenger ids seen on this ticket, in first-seen order, at most TICKET_PASSENGERS_CAP. */
  passengers: number[];
}

/** Learnt from the training split only; stored in the model artefact and handed to `step`. */
export interface TitanicParams {
  medianAgeByTitle: Record<Title, number>;
  medianFareByClass: Record<'1' | '2' | '3', number>;
}

export const TITANIC_FEATURES = [
  'female',
  'femaleThirdClass',
  'pclass1',
  'pclass2',
  'titleMr',
  'titleMrs',
  'titleMiss',
  'titleMaster',
  'age',
  'isChild',
  'familySize',
  'isAlone',
  'largeFamily',
  'logFarePerPerson',
  'hasCabin',
  'embarkedC',
  'embarkedQ',
  'ticketCompanionsSeen',
] as const;

interface PassengerRecord {
  body: Omit<PassengerBody, 'loop'>;
  survived: 0 | 1 | null;
}

// ---- data file -------------------------------------------------------------------------------------------

const DATA_FIX =
  'get the public Titanic passenger list (the Kaggle "Titanic" competition data or the full 1309-passenger "titanic3" list) ' +
  `as CSV with columns ${TITANIC_COLUMNS.join(',')} (Age and Fare may be empty), then pass its path ` +
  `(--data FILE) or set ${TITANIC_CSV_ENV}=/path/to/titanic.csv`;

/** The copy shipped with the project (origin and columns: data/README.md beside it). */
export const SHIPPED_TITANIC_CSV = fileURLToPath(new URL('./data/titanic.csv', import.meta.url));

/** The data file to read: the explicit path, else $FAULTLINE_TITANIC_CSV, else the copy shipped in data/. */
export function resolveTitanicCsv(dataPath?: string): string {
  const explicit = dataPath ?? process.env[TITANIC_CSV_ENV];
  if (explicit !== undefined && explicit !== '') {
    const file = resolve(explicit);
    if (!existsSync(file)) {
      const from = dataPath !== undefined ? 'given' : `named by ${TITANIC_CSV_ENV}`;
      throw new BadInputError(`titanic data file ${file} (${from}) does not exist`, { fix: DATA_FIX });
    }
    return file;
  }
  if (!existsSync(SHIPPED_TITANIC_CSV)) {
    throw new BadInputError(
      `the titanic workload's shipped data file ${SHIPPED_TITANIC_CSV} is missing (an incomplete install?)`,
      { fix: DATA_FIX },
    );
  }
  return SHIPPED_TITANIC_CSV;
}

const loadedFiles = new Map<string, PassengerRecord[]>();

/** Reads and validates the CSV once per file (the data is immutable, so the cache is safe to share). */
export function loadPassengers(dataPath?: string): PassengerRecord[] {
  const file = resolveTitanicCsv(dataPath);
  const cached = loadedFiles.get(file);
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new BadInputError(`titanic data file ${file} cannot be read`, { cause: e, fix: DATA_FIX });
  }
  let parsed: ReturnType<typeof parseCsvObjects>;
  try {
    parsed = parseCsvObjects(text);
  } catch (e) {
    throw new BadInputError(`titanic data file ${file} is not valid CSV`, { cause: e, fix: DATA_FIX });
  }
  const missing = TITANIC_COLUMNS.filter((c) => !parsed.header.includes(c));
  if (missing.length > 0) {
    throw new BadInputError(`titanic data file ${file} lacks the columns ${missing.join(', ')}`, {
      fix: DATA_FIX,
    });
  }
  if (parsed.rows.length === 0)
    throw new BadInputError(`titanic data file ${file} has no rows`, { fix: DATA_FIX });
  const seenIds = new Set<number>();
  const records = parsed.rows.map((row, i) => {
    const bad = (what: string) =>
      new BadInputError(`titanic data file ${file}, record ${i + 1}: ${what}`, { fix: DATA_FIX });
    const int = (column: string) => {
      const v = Number(row[column]);
      if (row[column] === '' || !Number.isInteger(v) || v < 0)
        throw bad(`${column} must be a whole number ≥ 0`);
      return v;
    };
    const optionalNumber = (column: string) => {
      if (row[column] === '') return null;
      const v = Number(row[column]);
      if (!Number.isFinite(v) || v < 0) throw bad(`${column} must be empty or a number ≥ 0`);
      return v;
    };
    const passengerId = int('Passengerid');
    if (seenIds.has(passengerId)) throw bad(`Passengerid ${passengerId} appears twice`);
    seenIds.add(passengerId);
    const survived =
      row.Survived === '' ? null : row.Survived === '1' ? 1 : row.Survived === '0' ? 0 : undefined;
    if (survived === undefined) throw bad('Survived must be 0, 1 or empty');
    const body: PassengerRecord['body'] = {
      passengerId,
      pclass: int('Pclass'),
      name: row.Name ?? '',
      sex: row.Sex ?? '',
      age: optionalNumber('Age'),
      sibSp: int('SibSp'),
      parch: int('Parch'),
      ticket: row.Ticket ?? '',
      fare: optionalNumber('Fare'),
      cabin: row.Cabin ?? '',
      embarked: row.Embarked ?? '',
    };
    try {
      parsePassenger({ ...body, loop: 0 });
    } catch (e) {
      throw bad((e as Error).message);
    }
    return { body, survived } satisfies PassengerRecord;
  });
  loadedFiles.set(file, records);
  return records;
}

// ---- stream ----------------------------------------------------------------------------------------------

function seededPermutation(n: number, seed: string): Uint32Array {
  const rng = createRng(seed);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

function createTitanicSource(records: PassengerRecord[], seed: number): EventSource<PassengerBody> {
  const n = records.length;
  const permutations = new Map<number, Uint32Array>();
  const permutationFor = (loop: number) => {
    let order = permutations.get(loop);
    if (!order) {
      order = seededPermutation(n, `${seed}:titanic:loop:${loop}`);
      if (permutations.size >= PERMUTATION_CACHE_SIZE) permutations.delete(permutations.keys().next().value!);
      permutations.set(loop, order);
    }
    return order;
  };
  return {
    event(id) {
      const loop = Math.floor(id / n);
      const { body } = records[permutationFor(loop)[id - loop * n]!]!;
      return { key: body.ticket, body: { ...body, loop } };
    },
  };
}

// ---- operators -------------------------------------------------------------------------------------------

export function titleOf(name: string): Title {
  const match = /,\s*([^.]+)\./.exec(name);
  return (match && TITLE_ALIASES[match[1]!.trim()]) || 'Rare';
}

function parsePassenger(body: PassengerBody): Passenger {
  const b = body as Partial<Record<keyof PassengerBody, unknown>> | null;
  if (typeof b !== 'object' || b === null) throw new BadInputError('passenger body is not an object');
  const count = (v: unknown, what: string) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new BadInputError(`passenger body: ${what} must be a whole number ≥ 0`);
    }
    return v;
  };
  const optional = (v: unknown, what: string) => {
    if (v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new BadInputError(`passenger body: ${what} must be null or a number ≥ 0`);
    }
    return v;
  };
  const text = (v: unknown, what: string) => {
    if (typeof v !== 'string') throw new BadInputError(`passenger body: ${what} must be a string`);
    return v;
  };
  const pclass = count(b.pclass, 'pclass');
  if (pclass !== 1 && pclass !== 2 && pclass !== 3)
    throw new BadInputError('passenger body: pclass must be 1, 2 or 3');
  const sex = text(b.sex, 'sex');
  if (sex !== 'male' && sex !== 'female')
    throw new BadInputError('passenger body: sex must be male or female');
  const ticket = text(b.ticket, 'ticket');
  if (ticket === '') throw new BadInputError('passenger body: ticket must not be empty');
  const embarked = text(b.embarked, 'embarked');
  if (embarked !== '' && embarked !== 'C' && embarked !== 'Q' && embarked !== 'S') {
    throw new BadInputError('passenger body: embarked must be C, Q, S or empty');
  }
  return {
    passengerId: count(b.passengerId, 'passengerId'),
    pclass,
    female: sex === 'female',
    title: titleOf(text(b.name, 'name')),
    age: optional(b.age, 'age'),
    sibSp: count(b.sibSp, 'sibSp'),
    parch: count(b.parch, 'parch'),
    ticket,
    fare: optional(b.fare, 'fare'),
    hasCabin: text(b.cabin, 'cabin').trim() !== '',
    embarked: embarked === '' ? 'S' : embarked,
  };
}

const checkedParams = new WeakMap<object, TitanicParams>();

/** The params `step` needs, checked once per params object (a model from elsewhere may lack them). */
function titanicParams(params: Record<string, unknown>): TitanicParams {
  const cached = checkedParams.get(params);
  if (cached) return cached;
  const p = params as Partial<TitanicParams>;
  const ok = (table: unknown, keys: readonly string[]) =>
    typeof table === 'object' &&
    table !== null &&
    keys.every((k) => typeof (table as Record<string, unknown>)[k] === 'number');
  if (!ok(p.medianAgeByTitle, TITLES) || !ok(p.medianFareByClass, ['1', '2', '3'])) {
    throw new BadInputError('titanic: model params lack medianAgeByTitle / medianFareByClass', {
      code: 'BAD_MODEL',
      fix: 'retrain with `faultline model train --workload titanic`',
    });
  }
  checkedParams.set(params, p as TitanicParams);
  return p as TitanicParams;
}

function stepTicket(
  state: TicketState | undefined,
  p: Passenger,
  params: Record<string, unknown>,
): { state: TicketState; features: number[] } {
  const { medianAgeByTitle, medianFareByClass } = titanicParams(params);
  const known = state?.passengers ?? [];
  const passengers =
    known.includes(p.passengerId) || known.length >= TICKET_PASSENGERS_CAP
      ? known
      : [...known, p.passengerId];
  const companionsSeen = passengers.length - (passengers.includes(p.passengerId) ? 1 : 0);
  const age = p.age ?? medianAgeByTitle[p.title];
  const fare = p.fare ?? medianFareByClass[String(p.pclass) as '1' | '2' | '3'];
  const familySize = p.sibSp + p.parch + 1;
  const features = [
    p.female ? 1 : 0,
    p.female && p.pclass === 3 ? 1 : 0,
    p.pclass === 1 ? 1 : 0,
    p.pclass === 2 ? 1 : 0,
    p.title === 'Mr' ? 1 : 0,
    p.title === 'Mrs' ? 1 : 0,
    p.title === 'Miss' ? 1 : 0,
    p.title === 'Master' ? 1 : 0,
    age,
    age < 14 ? 1 : 0,
    familySize,
    familySize === 1 ? 1 : 0,
    familySize >= 5 ? 1 : 0,
    Math.log1p(fare / (companionsSeen + 1)),
    p.hasCabin ? 1 : 0,
    p.embarked === 'C' ? 1 : 0,
    p.embarked === 'Q' ? 1 : 0,
    companionsSeen,
  ];
  return { state: { passengers: passengers === known ? [...known] : passengers }, features };
}

// ---- training data ---------------------------------------------------------------------------------------

/** Median age per title and median fare per class over the training passengers only. */
export function learnTitanicParams(training: PassengerRecord['body'][]): TitanicParams {
  const parsed = training.map((body) => parsePassenger({ ...body, loop: 0 }));
  const overallAge = median(parsed.flatMap((p) => (p.age === null ? [] : [p.age]))) ?? 30;
  const overallFare = median(parsed.flatMap((p) => (p.fare === null ? [] : [p.fare]))) ?? 14;
  const ageOf = (title: Title) =>
    median(parsed.flatMap((p) => (p.title === title && p.age !== null ? [p.age] : []))) ?? overallAge;
  const fareOf = (pclass: number) =>
    median(parsed.flatMap((p) => (p.pclass === pclass && p.fare !== null ? [p.fare] : []))) ?? overallFare;
  return {
    medianAgeByTitle: {
      Mr: ageOf('Mr'),
      Mrs: ageOf('Mrs'),
      Miss: ageOf('Miss'),
      Master: ageOf('Master'),
      Rare: ageOf('Rare'),
    },
    medianFareByClass: { '1': fareOf(1), '2': fareOf(2), '3': fareOf(3) },
  };
}

/**
 * Seeded 80/20 split by passenger. Params come from the training passengers alone. Rows come from folding
 * `step` over the stream in id order for two loops: loop 0 only warms the per-ticket state, and each
 * passenger's row is taken from loop 1, where every ticket's whole group has been seen once — the state a
 * pipeline holds for every event after the first n of a run. Validation passengers stay in the stream (state
 * carries no labels), exactly as in a run; only their rows are held out. `rows` does not apply: the data
 * is one row per passenger.
 */
async function titanicTrainingData(opts: WorkloadOptions & { rows?: number }) {
  const records = loadPassengers(opts.dataPath);
  const unlabelled = records.filter((r) => r.survived === null).length;
  if (unlabelled > 0) {
    throw new BadInputError(
      `titanic data: ${unlabelled} passengers have no Survived value, training needs all`,
      {
        fix: DATA_FIX,
      },
    );
  }
  const n = records.length;
  const shuffled = seededPermutation(n, `${opts.seed}:titanic:split`);
  const trainingIds = new Set<number>();
  for (let i = 0; i < Math.round(n * TRAINING_SHARE); i++)
    trainingIds.add(records[shuffled[i]!]!.body.passengerId);
  const params = learnTitanicParams(
    records.filter((r) => trainingIds.has(r.body.passengerId)).map((r) => r.body),
  );
  const survivedById = new Map(records.map((r) => [r.body.passengerId, r.survived as 0 | 1]));

  const source = createTitanicSource(records, opts.seed);
  const tickets = new Map<string, TicketState>();
  const train: LabelledRow[] = [];
  const validation: LabelledRow[] = [];
  for (let id = 0; id < 2 * n; id++) {
    const { key, body } = source.event(id);
    const passenger = parsePassenger(body);
    const { state, features } = stepTicket(
      tickets.get(key),
      passenger,
      params as unknown as Record<string, unknown>,
    );
    tickets.set(key, state);
    if (id < n) continue;
    const row: LabelledRow = { features, label: survivedById.get(passenger.passengerId)! };
    (trainingIds.has(passenger.passengerId) ? train : validation).push(row);
  }
  return { train, validation, params: params as unknown as Record<string, unknown> };
}

export const titanic = {
  name: 'titanic',
  description: 'the Titanic passenger list replayed in seeded loops, keyed by ticket; survival score',
  featureVersion: 1,
  featureNames: TITANIC_FEATURES,
  source: async (opts) => createTitanicSource(loadPassengers(opts.dataPath), opts.seed),
  parse: parsePassenger,
  step: stepTicket,
  trainingData: titanicTrainingData,
} satisfies Workload<PassengerBody, Passenger, TicketState> & { featureVersion: number };
