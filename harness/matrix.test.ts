import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../core/errors.ts';
import { CATALOG_DIR } from '../scenarios/index.ts';
import {
  addNewCells,
  loadMatrixSpec,
  MATRIX_SCHEMA,
  type MatrixFile,
  matrixCells,
  setAsideEarlierAttempt,
  setRepeat,
} from './matrix.ts';

const dir = mkdtempSync(join(tmpdir(), 'faultline-matrix-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const specFile = (body: string) => {
  const path = join(dir, `m-${++files}.yaml`);
  writeFileSync(path, body);
  return path;
};

describe('matrix providers', () => {
  it('the providers matrix crosses every engine with local and docker; docker cells are named so', () => {
    const spec = loadMatrixSpec('providers');
    expect(spec.providers).toEqual(['local', 'docker']);
    const cells = matrixCells(spec);
    expect(cells).toHaveLength(6);
    expect(cells.map((c) => c.id)).toContain('kill-worker--operator-checkpoint--exactly-once--docker--r0');
    expect(cells.map((c) => c.id)).toContain('kill-worker--operator-checkpoint--exactly-once--r0');
    expect(new Set(cells.map((c) => c.provider))).toEqual(new Set(['local', 'docker']));
  });

  it('defaults to local only, and refuses an unknown provider or a bad CPU budget', () => {
    const base = 'name: t\nengines: [passthrough]\nscenarios: [steady]\n';
    expect(loadMatrixSpec(specFile(base)).providers).toEqual(['local']);
    expect(loadMatrixSpec(specFile(`${base}providers: [docker]\ncpus: 1.5\n`)).cpus).toBe(1.5);
    expect(() => loadMatrixSpec(specFile(`${base}providers: [kubernetes]\n`))).toThrow(
      /unknown provider "kubernetes"/,
    );
    expect(() => loadMatrixSpec(specFile(`${base}cpus: 0\n`))).toThrow(BadInputError);
    expect(() => loadMatrixSpec(specFile(''))).toThrow(/expected a mapping with name, engines and scenarios/);
  });
});

describe('matrix durations', () => {
  it('a duration per scenario overrides the matrix duration; the quick matrix keeps steady short', () => {
    const quick = loadMatrixSpec('quick');
    expect(quick.parts[0]!.durationsS?.steady).toBeLessThan(quick.durationS!);
    const base = 'name: t\nengines: [passthrough]\nscenarios: [steady, kill-worker]\nduration: 20s\n';
    const spec = loadMatrixSpec(specFile(`${base}durations: { steady: 5s }\n`));
    expect(spec.parts[0]!.durationsS).toEqual({ steady: 5 });
    expect(matrixCells(spec).map((c) => [c.scenario, c.durationS])).toEqual([
      ['steady', 5],
      ['kill-worker', undefined],
    ]);
    expect(() => loadMatrixSpec(specFile(`${base}durations: { pause-worker: 5s }\n`))).toThrow(
      /durations.pause-worker names a scenario that is not in scenarios/,
    );
    expect(() => loadMatrixSpec(specFile(`${base}durations: { steady: soon }\n`))).toThrow(
      /must be a positive duration/,
    );
  });
});

describe('matrix scenarios given as files', () => {
  it('name cells by the file, so run ids and topic names stay valid; two files of one name are refused', () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub, { recursive: true });
    const steady = readFileSync(join(CATALOG_DIR, 'steady.yaml'), 'utf8');
    writeFileSync(join(dir, 'my steady.yaml'), steady);
    writeFileSync(join(sub, 'my steady.yaml'), steady);
    const spec = loadMatrixSpec(
      specFile(`name: t\nengines: [passthrough]\nscenarios: ["${join(dir, 'my steady.yaml')}", steady]\n`),
    );
    expect(matrixCells(spec).map((c) => c.id)).toEqual([
      'my-steady--passthrough--none--r0',
      'steady--passthrough--none--r0',
    ]);
    expect(() =>
      loadMatrixSpec(
        specFile(
          `name: t\nengines: [passthrough]\nscenarios: ["${join(dir, 'my steady.yaml')}", "${join(sub, 'my steady.yaml')}"]\n`,
        ),
      ),
    ).toThrow(/would share the cell name "my-steady"/);
  });
});

describe('matrix parts', () => {
  const parts =
    'name: t\nparts:\n' +
    '  - name: kills\n    engines: [ack-tree]\n    guarantees: { ack-tree: [at-least-once, at-most-once] }\n    scenarios: [kill-worker]\n' +
    '  - engines: [barrier-snapshot]\n    guarantees: { barrier-snapshot: [at-least-once] }\n    scenarios: [steady]\n    repeat: 2\n    durations: { steady: 5s }\n';

  it('runs the union of its parts, each with its own guarantees, repeats and durations', () => {
    const spec = loadMatrixSpec(specFile(parts));
    expect(spec.parts.map((p) => p.name)).toEqual(['kills', 'parts[1]']);
    expect(matrixCells(spec).map((c) => `${c.id} ${c.durationS ?? '-'}`)).toEqual([
      'kill-worker--ack-tree--at-least-once--r0 -',
      'kill-worker--ack-tree--at-most-once--r0 -',
      'steady--barrier-snapshot--at-least-once--r0 5',
      'steady--barrier-snapshot--at-least-once--r1 5',
    ]);
    setRepeat(spec, 3);
    expect(matrixCells(spec)).toHaveLength(9);
  });

  it('top-level engines and scenarios make a first part beside the listed ones', () => {
    const spec = loadMatrixSpec(specFile(`${parts}engines: [passthrough]\nscenarios: [steady]\n`));
    expect(matrixCells(spec).map((c) => c.id)[0]).toBe('steady--passthrough--none--r0');
    expect(spec.parts).toHaveLength(3);
  });

  it('refuses a cell in two parts, an unknown part field and a bad repeat, naming the part', () => {
    const twice = `${parts}  - engines: [ack-tree]\n    scenarios: [kill-worker]\n`;
    expect(() => loadMatrixSpec(specFile(twice))).toThrow(
      /kills and parts\[2\] both run kill-worker--ack-tree--at-least-once--r0/,
    );
    expect(() =>
      loadMatrixSpec(specFile(`${parts}  - engines: [ack-tree]\n    scenarios: [steady]\n    rate: 5\n`)),
    ).toThrow(/parts\[2\]\.rate is not a part field/);
    expect(() =>
      loadMatrixSpec(specFile(`${parts}  - engines: [ack-tree]\n    scenarios: [steady]\n    repeat: 0\n`)),
    ).toThrow(/parts\[2\]\.repeat must be a whole number/);
    expect(() => loadMatrixSpec(specFile('name: t\nparts: [{ engines: [ack-tree] }]\n'))).toThrow(
      /parts\[0\]\.scenarios must be a non-empty list/,
    );
  });

  it('resuming with a file that gained a part appends its cells, pending, and keeps the measured ones', () => {
    const before = loadMatrixSpec(specFile(parts));
    const file: MatrixFile = {
      schema: MATRIX_SCHEMA,
      name: 't',
      startedAt: '',
      spec: before,
      cells: matrixCells(before).map((c) => ({ ...c, status: 'done' as const })),
    };
    const after = loadMatrixSpec(
      specFile(`${parts}  - engines: [operator-checkpoint]\n    scenarios: [kill-worker]\n`),
    );
    expect(addNewCells(file, after)).toEqual(['kill-worker--operator-checkpoint--at-least-once--r0']);
    expect(file.cells.map((c) => c.status)).toEqual(['done', 'done', 'done', 'done', 'pending']);
    expect(file.spec.parts).toHaveLength(3);
    expect(addNewCells(file, after)).toEqual([]);
  });

  it('a matrix.json written before parts resumes with the same cells', () => {
    const legacy = {
      name: 'old',
      engines: ['passthrough'],
      guarantees: {},
      scenarios: ['steady'],
      repeat: 2,
      providers: ['local'],
      seed: 1,
    };
    expect(matrixCells(legacy as never).map((c) => c.id)).toEqual([
      'steady--passthrough--none--r0',
      'steady--passthrough--none--r1',
    ]);
  });
});

describe('matrix resume', () => {
  it("moves a failed cell's folder aside, numbered, so the cell runs again into a fresh one", () => {
    const m = join(dir, 'resume');
    const cell = {
      ...matrixCells(loadMatrixSpec(specFile('name: t\nengines: [passthrough]\nscenarios: [steady]\n')))[0]!,
    };
    expect(setAsideEarlierAttempt(m, cell)).toBeNull();
    for (const n of [1, 2]) {
      mkdirSync(join(m, cell.runDir), { recursive: true });
      writeFileSync(join(m, cell.runDir, 'events.jsonl'), `attempt ${n}\n`);
      expect(setAsideEarlierAttempt(m, cell)).toBe(join(m, `${cell.runDir}.attempt-${n}`));
    }
    expect(readFileSync(join(m, `${cell.runDir}.attempt-2`, 'events.jsonl'), 'utf8')).toBe('attempt 2\n');
  });
});

describe('matrix model', () => {
  it('a matrix names the model every cell scores with: checked at load, absolute, handed to every run', () => {
    const model = join(dir, 'titanic-own.model.json');
    writeFileSync(model, readFileSync(join(CATALOG_DIR, '..', 'workloads', 'models', 'titanic.model.json')));
    const spec = loadMatrixSpec(
      specFile(
        'name: t\nworkload: titanic\nmodel: titanic-own.model.json\nengines: [passthrough]\nscenarios: [steady]\n',
      ),
    );
    expect(spec.model).toBe(model);
    expect(() =>
      loadMatrixSpec(
        specFile('name: t\nmodel: missing.model.json\nengines: [passthrough]\nscenarios: [steady]\n'),
      ),
    ).toThrow(/model .*missing\.model\.json: no such file/);
  });
});
