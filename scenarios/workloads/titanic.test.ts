import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BadInputError } from '../../core/errors.ts';
import {
  learnTitanicParams,
  loadPassengers,
  type PassengerBody,
  resolveTitanicCsv,
  SHIPPED_TITANIC_CSV,
  TICKET_PASSENGERS_CAP,
  TITANIC_CSV_ENV,
  TITANIC_FEATURES,
  type TicketState,
  titanic,
  titleOf,
} from './titanic.ts';

const feature = (features: number[], name: (typeof TITANIC_FEATURES)[number]) =>
  features[TITANIC_FEATURES.indexOf(name)]!;

const HEADER = 'Passengerid,Survived,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked';

function tempCsv(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'faultline-titanic-')), 'titanic.csv');
  writeFileSync(file, text);
  return file;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('titanic data file', () => {
  it('reads the copy shipped with the project by default and reads all 1309 passengers with quoted names', () => {
    const records = loadPassengers();
    expect(records).toHaveLength(1309);
    expect(records[0]!.body.name).toBe('Allen, Miss. Elisabeth Walton');
    expect(records.filter((r) => r.body.age === null).length).toBeGreaterThan(200);
  });

  it('reads nothing outside the repository: the default is the shipped copy, unchanged (md5 in data/README.md)', () => {
    expect(resolveTitanicCsv()).toBe(SHIPPED_TITANIC_CSV);
    const repo = fileURLToPath(new URL('../../', import.meta.url));
    expect(SHIPPED_TITANIC_CSV.startsWith(repo)).toBe(true);
    const md5 = createHash('md5').update(readFileSync(SHIPPED_TITANIC_CSV)).digest('hex');
    expect(md5).toBe('8e71e413c743c971d53f4d1aa1e89067');
  });

  it('takes the path from the environment when none is given', () => {
    const file = tempCsv(`${HEADER}\n1,1,1,"Doe, Mrs. Jane",female,,0,0,T1,,,\n`);
    vi.stubEnv(TITANIC_CSV_ENV, file);
    expect(resolveTitanicCsv()).toBe(file);
    expect(loadPassengers()[0]!.body).toMatchObject({ name: 'Doe, Mrs. Jane', age: null, fare: null });
  });

  it('says where the dataset comes from and which columns it needs when the file is missing', () => {
    let error: unknown;
    try {
      resolveTitanicCsv('/nonexistent/titanic.csv');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BadInputError);
    const { message, fix, exitCode } = error as BadInputError;
    expect(message).toContain('/nonexistent/titanic.csv');
    expect(fix).toMatch(/Kaggle/);
    expect(fix).toMatch(/titanic3/);
    expect(fix).toContain('Passengerid,Survived,Pclass,Name,Sex,Age,SibSp,Parch,Ticket,Fare,Cabin,Embarked');
    expect(exitCode).toBe(2);
  });

  it('names missing columns and bad records', () => {
    expect(() => loadPassengers(tempCsv('Passengerid,Name\n1,x\n'))).toThrow(/lacks the columns Survived/);
    expect(() => loadPassengers(tempCsv(`${HEADER}\n1,1,4,"A, Mr. B",male,3,0,0,T,1,,S\n`))).toThrow(
      /record 1: .*pclass/,
    );
  });
});

describe('titanic source', () => {
  it('is deterministic per seed and differs between seeds', async () => {
    const a = await titanic.source({ seed: 1 });
    const b = await titanic.source({ seed: 1 });
    const other = await titanic.source({ seed: 2 });
    for (const id of [0, 7, 1309, 50_000]) expect(b.event(id)).toEqual(a.event(id));
    const differing = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter(
      (id) => JSON.stringify(other.event(id)) !== JSON.stringify(a.event(id)),
    );
    expect(differing.length).toBeGreaterThan(8);
  });

  it('is random access: event(5000) does not depend on which ids came before', async () => {
    const fresh = (await titanic.source({ seed: 4 })).event(5000);
    const walked = await titanic.source({ seed: 4 });
    for (let id = 0; id < 5000; id++) walked.event(id);
    walked.event(100_000);
    expect(walked.event(5000)).toEqual(fresh);
  });

  it('replays every passenger exactly once per loop, in a different order each loop, keyed by ticket', async () => {
    const source = await titanic.source({ seed: 1 });
    const n = 1309;
    const orders = [0, 1].map((loop) =>
      Array.from({ length: n }, (_, i) => {
        const { key, body } = source.event(loop * n + i);
        expect(key).toBe(body.ticket);
        expect(body.loop).toBe(loop);
        return body.passengerId;
      }),
    );
    for (const order of orders) expect(new Set(order).size).toBe(n);
    expect(orders[0]).not.toEqual(orders[1]);
    expect(source.event(0).body).not.toHaveProperty('survived');
  });
});

describe('titanic parse and step', () => {
  const params = learnTitanicParams(loadPassengers().map((r) => r.body)) as unknown as Record<
    string,
    unknown
  >;
  const body = (overrides: Partial<PassengerBody> = {}): PassengerBody => ({
    passengerId: 1,
    pclass: 3,
    name: 'Doe, Master. John',
    sex: 'male',
    age: null,
    sibSp: 1,
    parch: 2,
    ticket: 'T-1',
    fare: 30,
    cabin: '',
    embarked: '',
    loop: 0,
    ...overrides,
  });

  it('extracts titles, folding rare and foreign ones', () => {
    expect(titleOf('Allen, Miss. Elisabeth Walton')).toBe('Miss');
    expect(titleOf('Aubart, Mme. Leontine Pauline')).toBe('Mrs');
    expect(titleOf('Rothes, the Countess. of (Lucy Noel Martha Dyer-Edwards)')).toBe('Rare');
    expect(titleOf('Byles, Rev. Thomas Roussel Davids')).toBe('Rare');
    expect(titleOf('no title here')).toBe('Rare');
  });

  it('imputes age by title from params and divides the fare over the ticket group seen so far', () => {
    const medianAgeByTitle = (params as { medianAgeByTitle: Record<string, number> }).medianAgeByTitle;
    const first = titanic.step(undefined, titanic.parse(body()), params);
    expect(feature(first.features, 'age')).toBe(medianAgeByTitle.Master);
    expect(feature(first.features, 'isChild')).toBe(1);
    expect(feature(first.features, 'familySize')).toBe(4);
    expect(feature(first.features, 'ticketCompanionsSeen')).toBe(0);
    expect(feature(first.features, 'logFarePerPerson')).toBeCloseTo(Math.log1p(30));
    const second = titanic.step(
      first.state,
      titanic.parse(body({ passengerId: 2, name: 'Doe, Mrs. Ann' })),
      params,
    );
    expect(feature(second.features, 'ticketCompanionsSeen')).toBe(1);
    expect(feature(second.features, 'logFarePerPerson')).toBeCloseTo(Math.log1p(15));
    // Seeing the same passenger again (the next loop) does not grow the group.
    const again = titanic.step(second.state, titanic.parse(body()), params);
    expect(again.state.passengers).toEqual([1, 2]);
    expect(feature(again.features, 'ticketCompanionsSeen')).toBe(1);
  });

  it('does not mutate its input state and keeps it bounded', () => {
    let state: TicketState | undefined;
    for (let i = 0; i < 40; i++) {
      if (state) Object.freeze(Object.freeze(state).passengers);
      const frozen = state;
      const before = structuredClone(state);
      state = titanic.step(frozen, titanic.parse(body({ passengerId: 100 + i })), params).state;
      expect(frozen).toEqual(before);
    }
    expect(state!.passengers).toHaveLength(TICKET_PASSENGERS_CAP);
  });

  it('rejects malformed bodies and refuses params without the learnt tables', () => {
    expect(() => titanic.parse(body({ sex: 'x' }))).toThrow(BadInputError);
    expect(() => titanic.parse({ ...body(), age: '3' } as unknown as PassengerBody)).toThrow(BadInputError);
    expect(() => titanic.step(undefined, titanic.parse(body()), {})).toThrow(/medianAgeByTitle/);
  });
});

describe('titanic training data', () => {
  it('splits 80/20 by passenger, one row per passenger, params from the training split only', async () => {
    const { train, validation, params } = await titanic.trainingData({ seed: 1 });
    expect(train).toHaveLength(1047);
    expect(validation).toHaveLength(262);
    expect(train[0]!.features).toHaveLength(TITANIC_FEATURES.length);
    const survivalRate = [...train, ...validation].filter((r) => r.label === 1).length / 1309;
    expect(survivalRate).toBeCloseTo(500 / 1309, 5);
    expect(params).toHaveProperty('medianAgeByTitle.Master');
    // Another seed puts other passengers in training, so the learnt medians move.
    const other = await titanic.trainingData({ seed: 2 });
    expect(other.params).not.toEqual(params);
  });
});
