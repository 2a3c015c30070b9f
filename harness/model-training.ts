/**
 * `faultline model train` and `faultline model validate`: one door for every trainer.
 *
 * - `own`: faultline's logistic regression (scenarios/workloads/train.ts), in TypeScript.
 * - `h2o-glm`, `h2o-gbm`: H2O-3, started and stopped here (infra/h2o), trained over its REST API on the very
 *   rows `own` trains on — the workload's `trainingData`, which folds the engines' own `step` over the stream —
 *   with the same seeded 80/20 split. The model is exported as a MOJO (and a POJO) next to the artefact, and
 *   H2O's own predictions on the validation split are stored in the artefact: the validation dataset every
 *   other scorer is compared against. A GLM is also written as coefficients in the features' original units,
 *   so the engines' TypeScript `score()` runs it; a GBM is scored from its MOJO in the JVM only.
 *
 * Lab steps: build (train) and score are two steps; `validate` re-scores the validation split through the
 * path the engines use (TypeScript for linear models, h2o-genmodel for MOJOs) and compares with H2O.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { BadInputError, ServiceFailedError } from '../core/errors.ts';
import { noProgress, type ProgressSink, timed } from '../core/progress.ts';
import {
  type AnyModelArtefact,
  type H2oProvenance,
  type LabelledRow,
  type ModelArtefact,
  type ModelTrainer,
  type MojoModelArtefact,
  score,
  trainerOf,
} from '../core/workload.ts';
import { H2oCallError, type H2oClient, type H2oParams, scoreWithMojo, startH2o } from '../infra/h2o/index.ts';
import {
  defaultModelPath,
  describeModel,
  evaluate,
  formatFigures,
  getWorkload,
  mojoPathOf,
  type RegisteredWorkload,
  readModelFile,
  trainAndSave,
  validationFigures,
} from '../scenarios/workloads/index.ts';
import { DEFAULT_RESULTS_DIR } from './runner.ts';

export const MODEL_TRAINERS: readonly ModelTrainer[] = ['own', 'h2o-glm', 'h2o-gbm'];

/** |Δ| to H2O's predictions that `validate` accepts: TypeScript's dot product vs H2O's, and the MOJO's. */
export const AGREEMENT_TOLERANCE = { typescript: 1e-12, mojo: 1e-15 } as const;

/** The GBM the issue measured: 50 trees of depth 5, otherwise H2O's defaults. */
const GBM_PARAMETERS = { ntrees: 50, max_depth: 5 } as const;

export interface ModelTrainRequest {
  workload: string;
  trainer: ModelTrainer;
  seed: number;
  dataPath?: string;
  /** The artefact file; default: the workload's model (own) or results/models/<workload>-<trainer>.model.json. */
  out?: string;
  progress?: ProgressSink;
}

export interface ModelTrainResult {
  artefact: AnyModelArtefact;
  path: string;
  /** The model the engines use by default, as it was before this training (absent when it cannot be read). */
  current?: { path: string; model: AnyModelArtefact };
  report: string;
}

export function parseTrainer(value: string): ModelTrainer {
  if (!(MODEL_TRAINERS as readonly string[]).includes(value)) {
    throw new BadInputError(`unknown trainer ${JSON.stringify(value)}`, {
      fix: `use one of: ${MODEL_TRAINERS.join(', ')}`,
    });
  }
  return value as ModelTrainer;
}

export function defaultArtefactPath(workload: string, trainer: ModelTrainer): string {
  return trainer === 'own'
    ? defaultModelPath(workload)
    : join(DEFAULT_RESULTS_DIR, 'models', `${workload}-${trainer}.model.json`);
}

export async function trainWorkloadModel(req: ModelTrainRequest): Promise<ModelTrainResult> {
  const trainer = parseTrainer(req.trainer);
  const workload = getWorkload(req.workload);
  const progress = req.progress ?? noProgress;
  const currentPath = defaultModelPath(workload.name);
  const current = readCurrent(currentPath, workload.name);
  const path = resolve(req.out ?? defaultArtefactPath(workload.name, trainer));
  if (!path.endsWith('.json')) {
    throw new BadInputError(`--out ${path} must end in .json (the MOJO is written beside it)`);
  }
  let artefact: AnyModelArtefact;
  if (trainer === 'own') {
    artefact = (await trainAndSave(workload.name, { seed: req.seed, dataPath: req.dataPath, out: path }))
      .artefact;
  } else {
    artefact = await trainInH2o(workload, trainer, path, req, progress);
  }
  const lines = [describeModel(artefact, path)];
  lines.push(
    current
      ? `  current model (${current.path}, ${trainerOf(current.model)}): ${formatFigures(current.model.validation)}`
      : `  current model: none readable at ${currentPath}`,
  );
  return { artefact, path, ...(current ? { current } : {}), report: lines.join('\n') };
}

function readCurrent(path: string, workload: string): ModelTrainResult['current'] {
  try {
    return { path, model: readModelFile(path, workload) };
  } catch {
    return undefined;
  }
}

async function trainInH2o(
  workload: RegisteredWorkload,
  trainer: 'h2o-glm' | 'h2o-gbm',
  path: string,
  req: ModelTrainRequest,
  progress: ProgressSink,
): Promise<AnyModelArtefact> {
  const { train, validation, params } = await workload.trainingData({
    seed: req.seed,
    ...(req.dataPath !== undefined ? { dataPath: req.dataPath } : {}),
  });
  if (train.length === 0 || validation.length === 0) {
    throw new BadInputError(`${workload.name}: training data has an empty training or validation split`);
  }
  const features = [...workload.featureNames];
  const algo = trainer === 'h2o-glm' ? 'glm' : 'gbm';
  await using server = await startH2o({ progress });
  const h2o = server.client;
  const trainCsv = join(server.workDir, 'train.csv');
  const validCsv = join(server.workDir, 'validation.csv');
  writeFileSync(trainCsv, featureCsv(features, train));
  writeFileSync(validCsv, featureCsv(features, validation));
  const [trainFrame, validFrame] = await timed(progress, 'Loading the training and validation splits', () =>
    Promise.all([
      h2o.importCsv(trainCsv, 'train.hex', [LABEL]),
      h2o.importCsv(validCsv, 'validation.hex', [LABEL]),
    ]),
  );
  const parameters: H2oParams =
    algo === 'glm'
      ? {
          family: 'binomial',
          // Ours: Newton on Σ log loss + (l2/2)‖w‖², l2 = 1, standardised. H2O's objective is the mean log loss
          // + (λ/2)‖w‖², so λ = 1 / n gives the same ridge.
          alpha: 0,
          lambda: 1 / train.length,
          lambda_search: false,
          standardize: true,
          solver: 'IRLSM',
          max_iterations: 100,
          beta_epsilon: 1e-12,
          objective_epsilon: 1e-14,
          gradient_epsilon: 1e-12,
          seed: req.seed,
        }
      : { ...GBM_PARAMETERS, seed: req.seed };
  const modelId = `faultline-${workload.name}-${trainer}`;
  await timed(progress, `Training ${trainer} in H2O ${server.version}`, () =>
    h2o.train(algo, modelId, {
      training_frame: trainFrame,
      validation_frame: validFrame,
      response_column: LABEL,
      ...parameters,
    }),
  );
  const model = await h2o.model(modelId);
  const output = model.output as Record<string, unknown>;
  const threshold = output.default_threshold;
  if (typeof threshold !== 'number') {
    throw new ServiceFailedError('h2o', `model ${modelId} reports no default_threshold (not binomial?)`);
  }
  const predictions = await timed(progress, 'Predicting the validation split in H2O', async () =>
    parsePredictions(
      await h2o.downloadCsv(await h2o.predict(modelId, validFrame, 'validation-predictions')),
      validation.length,
    ),
  );
  const mojoPath = path.replace(/(\.model)?\.json$/, '.mojo.zip');
  const pojoPath = path.replace(/(\.model)?\.json$/, '.pojo.java');
  const mojo = await exportModel(h2o, modelId, server.version, 'mojo');
  const pojo = await exportModel(h2o, modelId, server.version, 'pojo');
  const provenance: H2oProvenance = {
    version: server.version,
    algo,
    modelId,
    mojo: basename(mojoPath),
    pojo: basename(pojoPath),
    parameters: { ...parameters },
    validationPredictions: { p1: predictions.p1, label: predictions.label, threshold },
  };
  const training = { seed: req.seed, trainRows: train.length, validationRows: validation.length };
  const labels = validation.map((r) => r.label);
  let artefact: AnyModelArtefact;
  if (algo === 'glm') {
    const linear: ModelArtefact = {
      schema: 'faultline/model@1',
      workload: workload.name,
      version: workload.featureVersion,
      kind: 'logistic-regression',
      trainer: 'h2o-glm',
      features,
      // H2O's coefficients are already in original units (it destandardises with the sample std it used).
      preprocessing: { mean: features.map(() => 0), std: features.map(() => 1) },
      ...glmCoefficients(output, features),
      params,
      training: { ...training, iterations: glmIterations(output), l2: 1 },
      validation: validationFigures(predictions.p1, labels),
      h2o: provenance,
    };
    // The figures an engine would see: the TypeScript scorer on the stored coefficients.
    linear.validation = evaluate(linear, validation);
    artefact = linear;
  } else {
    artefact = {
      schema: 'faultline/model@1',
      workload: workload.name,
      version: workload.featureVersion,
      kind: 'gradient-boosting',
      trainer: 'h2o-gbm',
      features,
      params,
      training,
      validation: validationFigures(predictions.p1, labels),
      h2o: provenance,
    } satisfies MojoModelArtefact;
  }
  writeTogether([
    [mojoPath, mojo],
    [pojoPath, pojo],
    [path, `${JSON.stringify(artefact, null, 2)}\n`],
  ]);
  return artefact;
}

const LABEL = 'label';

function featureCsv(names: readonly string[], rows: readonly LabelledRow[]): string {
  const lines = [[...names, LABEL].join(',')];
  for (const r of rows) lines.push(`${r.features.map(String).join(',')},${r.label}`);
  return `${lines.join('\n')}\n`;
}

/** H2O's prediction frame as CSV: "predict","p0","p1", one row per validation row in order. */
function parsePredictions(csv: string, rows: number): { p1: number[]; label: (0 | 1)[] } {
  const lines = csv.trim().split('\n');
  const header = lines[0]?.split(',').map((c) => c.replaceAll('"', ''));
  const p1Column = header?.indexOf('p1') ?? -1;
  const labelColumn = header?.indexOf('predict') ?? -1;
  if (p1Column < 0 || labelColumn < 0 || lines.length - 1 !== rows) {
    throw new ServiceFailedError(
      'h2o',
      `prediction frame has header ${lines[0]} and ${lines.length - 1} rows, expected predict,p0,p1 and ${rows}`,
    );
  }
  const p1: number[] = [];
  const label: (0 | 1)[] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(',').map((c) => c.replaceAll('"', ''));
    p1.push(Number(cells[p1Column]));
    label.push(cells[labelColumn] === '1' ? 1 : 0);
  }
  return { p1, label };
}

function glmCoefficients(
  output: Record<string, unknown>,
  features: readonly string[],
): { coefficients: number[]; intercept: number } {
  const table = output.coefficients_table as { columns: { name: string }[]; data: unknown[][] } | undefined;
  const names = table?.data[table.columns.findIndex((c) => c.name === 'names')] as string[] | undefined;
  const values = table?.data[table.columns.findIndex((c) => c.name === 'coefficients')] as
    | number[]
    | undefined;
  if (!names || !values) throw new ServiceFailedError('h2o', 'the GLM has no coefficients_table');
  const byName = new Map(names.map((n, i) => [n, values[i]!]));
  const pick = (name: string) => {
    const v = byName.get(name);
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ServiceFailedError('h2o', `the GLM has no finite coefficient for ${name}`);
    }
    return v;
  };
  return { coefficients: features.map(pick), intercept: pick('Intercept') };
}

function glmIterations(output: Record<string, unknown>): number {
  const summary = output.model_summary as { columns: { name: string }[]; data: unknown[][] } | undefined;
  const column = summary?.columns.findIndex((c) => c.name === 'number_of_iterations') ?? -1;
  const value = column >= 0 ? Number(summary?.data[column]?.[0]) : Number.NaN;
  return Number.isFinite(value) ? value : 0;
}

/**
 * Downloads the MOJO or the POJO. Newer H2O releases (3.46.0.12) refuse both ("requires H2O-3 Secure");
 * faultline pins one that exports, and says so plainly should the pin ever be moved.
 */
async function exportModel(
  h2o: H2oClient,
  modelId: string,
  version: string,
  format: 'mojo' | 'pojo',
): Promise<Buffer> {
  try {
    return format === 'mojo' ? await h2o.mojo(modelId) : await h2o.pojo(modelId);
  } catch (e) {
    if (e instanceof H2oCallError) throw exportRefused(version, format, e.h2oMessage, e);
    throw e;
  }
}

export function exportRefused(
  version: string,
  format: 'mojo' | 'pojo',
  message: string,
  cause?: unknown,
): ServiceFailedError {
  return new ServiceFailedError(
    'h2o',
    `H2O ${version} refused to export the model as a ${format.toUpperCase()}: ${message}`,
    {
      cause,
      fix: 'faultline pins H2O 3.44.0.1 (infra/h2o/provision.ts) because later releases (3.46.0.12) gate MOJO and POJO export behind "H2O-3 Secure"; keep that pin, or pick another Apache-2.0 release that still exports',
    },
  );
}

/** Writes files side by side, each first to a `.partial` name: all of them or none. */
function writeTogether(files: [string, string | Buffer][]): void {
  const staged: string[] = [];
  try {
    for (const [file, content] of files) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(`${file}.partial`, content);
      staged.push(file);
    }
    for (const file of staged) renameSync(`${file}.partial`, file);
  } finally {
    for (const file of staged) rmSync(`${file}.partial`, { force: true });
  }
}

// ---- validate --------------------------------------------------------------------------------------------

export interface ModelValidation {
  path: string;
  workload: string;
  trainer: ModelTrainer;
  /** Which scorer ran: the engines' TypeScript `score()`, or h2o-genmodel on the MOJO. */
  scorer: 'typescript' | 'mojo';
  rows: number;
  figures: AnyModelArtefact['validation'];
  /** Absent for a model H2O did not build (nothing to compare with). */
  h2o?: {
    version: string;
    maxAbsDelta: number;
    labelsAgree: number;
    threshold: number;
    tolerance: number;
    withinTolerance: boolean;
  };
}

export async function validateModel(
  path: string,
  opts: { dataPath?: string; progress?: ProgressSink } = {},
): Promise<ModelValidation> {
  const file = resolve(path);
  const workloadName = workloadNamed(file);
  const model = readModelFile(file, workloadName);
  const workload = getWorkload(workloadName);
  const { validation, params } = await workload.trainingData({
    seed: model.training.seed,
    ...(opts.dataPath !== undefined ? { dataPath: opts.dataPath } : {}),
  });
  if (!isDeepStrictEqual(params, model.params) || validation.length !== model.training.validationRows) {
    throw new BadInputError(
      `model file ${file} was trained on other data: the ${workloadName} data here gives ${validation.length} validation rows and other learnt parameters`,
      { code: 'BAD_MODEL', fix: 'pass the data file it was trained on (--data FILE), or retrain it' },
    );
  }
  const scorer = model.kind === 'logistic-regression' ? 'typescript' : 'mojo';
  const scores =
    model.kind === 'logistic-regression'
      ? validation.map((r) => score(model, r.features))
      : await timed(
          opts.progress ?? noProgress,
          'Scoring the validation split with the MOJO (h2o-genmodel)',
          () =>
            scoreWithMojo(
              mojoPathOf(model, file),
              model.features,
              validation.map((r) => r.features),
              opts.progress,
            ),
        );
  const result: ModelValidation = {
    path: file,
    workload: workloadName,
    trainer: trainerOf(model),
    scorer,
    rows: validation.length,
    figures: validationFigures(
      scores,
      validation.map((r) => r.label),
    ),
  };
  if (model.h2o) {
    const reference = model.h2o.validationPredictions;
    let maxAbsDelta = 0;
    let labelsAgree = 0;
    scores.forEach((p, i) => {
      maxAbsDelta = Math.max(maxAbsDelta, Math.abs(p - reference.p1[i]!));
      // H2O's label rule: class 1 when P(1) ≥ the threshold.
      if ((p >= reference.threshold ? 1 : 0) === reference.label[i]) labelsAgree++;
    });
    const tolerance = AGREEMENT_TOLERANCE[scorer];
    result.h2o = {
      version: model.h2o.version,
      maxAbsDelta,
      labelsAgree,
      threshold: reference.threshold,
      tolerance,
      withinTolerance: maxAbsDelta <= tolerance && labelsAgree === validation.length,
    };
  }
  return result;
}

/** The workload a model file names, read before the full check (which needs the workload). */
function workloadNamed(file: string): string {
  if (!existsSync(file)) {
    throw new BadInputError(`model file ${file} does not exist`, {
      code: 'BAD_MODEL',
      fix: 'pass an artefact written by `faultline model train` (e.g. results/models/titanic-h2o-glm.model.json)',
    });
  }
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { workload?: unknown };
    if (typeof json.workload === 'string') return json.workload;
  } catch {
    // readModelFile names the problem below
  }
  // Let the full check explain what is wrong, against the default workload.
  readModelFile(file, 'titanic');
  return 'titanic';
}

export function describeValidation(v: ModelValidation): string {
  const how =
    v.scorer === 'typescript'
      ? "the engines' TypeScript linear scorer"
      : 'the MOJO through h2o-genmodel (JVM)';
  const lines = [
    `model ${relative(process.cwd(), v.path) || v.path} (${v.workload}, ${v.trainer}) scored with ${how} on ${v.rows} validation rows`,
    `  validation: ${formatFigures(v.figures)}`,
  ];
  if (v.h2o) {
    lines.push(
      `  vs H2O ${v.h2o.version}'s own predictions: max |Δ| ${v.h2o.maxAbsDelta.toExponential(2)} (tolerance ${v.h2o.tolerance.toExponential(0)}), labels agree ${v.h2o.labelsAgree}/${v.rows} (threshold ${v.h2o.threshold.toFixed(4)}, H2O's max-F1)`,
      `  ${v.h2o.withinTolerance ? 'agrees with H2O' : 'DISAGREES with H2O'}`,
    );
  } else {
    lines.push('  no H2O predictions stored (trainer own): nothing to compare with');
  }
  return lines.join('\n');
}
