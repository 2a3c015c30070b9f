/**
 * Model training and model files (`faultline model train`): a deterministic logistic regression fitted to a
 * workload's training split, evaluated on its validation split, exported as a `faultline/model@1` artefact;
 * and `loadModel`, which refuses a model file that does not fit the workload before any run starts.
 *
 * The fit is Newton's method (IRLS) with an L2 penalty on the weights (not the intercept), a fixed number of
 * iterations, on features standardised with the training split's mean and std. Same seed and data → the same
 * artefact, byte for byte. Validation scores go through core's `score()`, the function every engine calls.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { BadInputError } from '../../core/errors.ts';
import {
  type AnyModelArtefact,
  type LabelledRow,
  type ModelArtefact,
  score,
  trainerOf,
  type ValidationFigures,
  type Workload,
} from '../../core/workload.ts';
import { defaultModelPath, getWorkload } from './registry.ts';

export interface TrainOptions {
  seed: number;
  dataPath?: string;
  /** Passed to the workload's trainingData (how much of the stream to fold, where it applies). */
  rows?: number;
  iterations?: number;
  l2?: number;
}

export const DEFAULT_ITERATIONS = 25;
export const DEFAULT_L2 = 1;

export async function trainModel(
  workload: Workload<unknown, unknown, unknown> & { featureVersion?: number },
  opts: TrainOptions,
): Promise<ModelArtefact> {
  const iterations = opts.iterations ?? DEFAULT_ITERATIONS;
  const l2 = opts.l2 ?? DEFAULT_L2;
  const dataOpts: { seed: number; dataPath?: string; rows?: number } = { seed: opts.seed };
  if (opts.dataPath !== undefined) dataOpts.dataPath = opts.dataPath;
  if (opts.rows !== undefined) dataOpts.rows = opts.rows;
  const { train, validation, params } = await workload.trainingData(dataOpts);
  const width = workload.featureNames.length;
  for (const row of [...train, ...validation]) {
    if (row.features.length !== width) {
      throw new Error(
        `${workload.name}: a training row has ${row.features.length} features, expected ${width}`,
      );
    }
  }
  if (train.length === 0 || validation.length === 0) {
    throw new BadInputError(`${workload.name}: training data has an empty training or validation split`);
  }

  const { mean, std } = standardisation(train, width);
  const { coefficients, intercept } = fitLogistic(train, mean, std, iterations, l2);
  const model: ModelArtefact = {
    schema: 'faultline/model@1',
    workload: workload.name,
    version: workload.featureVersion ?? 1,
    kind: 'logistic-regression',
    features: [...workload.featureNames],
    preprocessing: { mean, std },
    coefficients,
    intercept,
    params,
    training: { seed: opts.seed, trainRows: train.length, validationRows: validation.length, iterations, l2 },
    validation: { accuracy: 0, auc: 0, logLoss: 0, rows: validation.length },
  };
  model.validation = evaluate(model, validation);
  return model;
}

/** Mean and population std per feature over the training split; a constant feature gets std 1. */
function standardisation(rows: LabelledRow[], width: number): { mean: number[]; std: number[] } {
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (const { features } of rows) for (let j = 0; j < width; j++) mean[j]! += features[j]!;
  for (let j = 0; j < width; j++) mean[j]! /= rows.length;
  for (const { features } of rows) for (let j = 0; j < width; j++) std[j]! += (features[j]! - mean[j]!) ** 2;
  for (let j = 0; j < width; j++) {
    const s = Math.sqrt(std[j]! / rows.length);
    std[j] = s > 1e-12 && Number.isFinite(s) ? s : 1;
  }
  return { mean, std };
}

/**
 * Newton–Raphson on Σ log loss + (l2 / 2)·‖w‖². Works in the standardised space (exactly the transform
 * `score()` applies); column `width` of the design matrix is the intercept.
 */
function fitLogistic(
  rows: LabelledRow[],
  mean: number[],
  std: number[],
  iterations: number,
  l2: number,
): { coefficients: number[]; intercept: number } {
  const width = mean.length;
  const dim = width + 1;
  const x = new Float64Array(rows.length * dim);
  rows.forEach(({ features }, i) => {
    for (let j = 0; j < width; j++) x[i * dim + j] = (features[j]! - mean[j]!) / std[j]!;
    x[i * dim + width] = 1;
  });
  const w = new Float64Array(dim);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const gradient = new Float64Array(dim);
    const hessian = new Float64Array(dim * dim);
    for (let i = 0; i < rows.length; i++) {
      const row = i * dim;
      let z = 0;
      for (let j = 0; j < dim; j++) z += w[j]! * x[row + j]!;
      const p = 1 / (1 + Math.exp(-z));
      const residual = p - rows[i]!.label;
      const curvature = p * (1 - p);
      for (let j = 0; j < dim; j++) {
        const xj = x[row + j]!;
        gradient[j]! += residual * xj;
        const cj = curvature * xj;
        for (let k = 0; k <= j; k++) hessian[j * dim + k]! += cj * x[row + k]!;
      }
    }
    for (let j = 0; j < dim; j++)
      for (let k = j + 1; k < dim; k++) hessian[j * dim + k] = hessian[k * dim + j]!;
    for (let j = 0; j < width; j++) {
      gradient[j]! += l2 * w[j]!;
      hessian[j * dim + j]! += l2;
    }
    const delta = solve(hessian, gradient, dim);
    for (let j = 0; j < dim; j++) w[j]! -= delta[j]!;
  }
  return { coefficients: Array.from(w.subarray(0, width)), intercept: w[width]! };
}

/** Solves A·x = b (A is dim × dim, row-major) by Gaussian elimination with partial pivoting. */
function solve(a: Float64Array, b: Float64Array, dim: number): Float64Array {
  const m = Float64Array.from(a);
  const v = Float64Array.from(b);
  for (let col = 0; col < dim; col++) {
    let pivot = col;
    for (let r = col + 1; r < dim; r++)
      if (Math.abs(m[r * dim + col]!) > Math.abs(m[pivot * dim + col]!)) pivot = r;
    if (m[pivot * dim + col] === 0) throw new Error('logistic regression: singular Hessian');
    if (pivot !== col) {
      for (let k = 0; k < dim; k++) {
        const t = m[col * dim + k]!;
        m[col * dim + k] = m[pivot * dim + k]!;
        m[pivot * dim + k] = t;
      }
      const t = v[col]!;
      v[col] = v[pivot]!;
      v[pivot] = t;
    }
    for (let r = col + 1; r < dim; r++) {
      const factor = m[r * dim + col]! / m[col * dim + col]!;
      if (factor === 0) continue;
      for (let k = col; k < dim; k++) m[r * dim + k]! -= factor * m[col * dim + k]!;
      v[r]! -= factor * v[col]!;
    }
  }
  const out = new Float64Array(dim);
  for (let r = dim - 1; r >= 0; r--) {
    let sum = v[r]!;
    for (let k = r + 1; k < dim; k++) sum -= m[r * dim + k]! * out[k]!;
    out[r] = sum / m[r * dim + r]!;
  }
  return out;
}

/** Validation metrics of a model on labelled rows, scored with core's `score()`. */
export function evaluate(model: ModelArtefact, rows: LabelledRow[]): ValidationFigures {
  return validationFigures(
    rows.map((row) => score(model, row.features)),
    rows.map((row) => row.label),
  );
}

/** AUC, accuracy at 0.5 and mean log loss of P(label 1) scores against the labels. */
export function validationFigures(scores: readonly number[], labels: readonly (0 | 1)[]): ValidationFigures {
  let correct = 0;
  let logLoss = 0;
  scores.forEach((p, i) => {
    if ((p >= 0.5 ? 1 : 0) === labels[i]) correct++;
    const clipped = Math.min(1 - 1e-15, Math.max(1e-15, p));
    logLoss -= labels[i] === 1 ? Math.log(clipped) : Math.log(1 - clipped);
  });
  return {
    accuracy: correct / scores.length,
    auc: rocAuc(scores, labels),
    logLoss: logLoss / scores.length,
    rows: scores.length,
  };
}

/** ROC AUC as the Mann–Whitney statistic: average ranks over tied scores. NaN when a class is absent. */
export function rocAuc(scores: readonly number[], labels: readonly (0 | 1)[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]! || a - b);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]!] === scores[order[start]!]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (labels[order[k]!] === 1) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Reads and checks a model file for a workload, for a scorer written in TypeScript (every mini engine, the
 * reference scorer): a linear model, whoever trained it. A model only the JVM scores (an H2O GBM) is refused
 * with the way out. Every problem is a BadInputError (code BAD_MODEL) that names the file and the fix.
 */
export function loadModel(path: string, workloadName: string): ModelArtefact {
  const model = readModelFile(path, workloadName);
  if (model.kind !== 'logistic-regression') {
    throw new BadInputError(
      `model file ${resolve(path)} is an H2O GBM (kind "${model.kind}", trainer "${model.trainer}"): faultline's mini engines score linear models only, and this one is scored from its MOJO in the JVM`,
      {
        code: 'BAD_MODEL',
        fix: `train a linear model (\`faultline model train --workload ${workloadName} --trainer h2o-glm\` or --trainer own) and pass that; \`faultline model validate --model ${path}\` scores this one`,
      },
    );
  }
  return model;
}

/** Reads and checks a model file of any kind (linear or MOJO) for a workload. */
export function readModelFile(path: string, workloadName: string): AnyModelArtefact {
  const workload = getWorkload(workloadName);
  const file = resolve(path);
  const bad = (problem: string, cause?: unknown): BadInputError =>
    new BadInputError(`model file ${file}: ${problem}`, {
      code: 'BAD_MODEL',
      cause,
      fix: `retrain with \`faultline model train --workload ${workloadName}\` (writes ${defaultModelPath(workloadName)})`,
    });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw bad(`cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, e);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad('is not valid JSON', e);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('is not a JSON object');
  const m = json as Record<string, unknown>;
  if (m.schema !== 'faultline/model@1') {
    throw bad(`has schema ${JSON.stringify(m.schema)}, expected "faultline/model@1"`);
  }
  if (m.workload !== workloadName) {
    throw bad(`is a model for workload ${JSON.stringify(m.workload)}, not ${JSON.stringify(workloadName)}`);
  }
  const kinds: Record<string, readonly unknown[]> = {
    'logistic-regression': [undefined, 'own', 'h2o-glm'],
    'gradient-boosting': ['h2o-gbm'],
  };
  const trainers = typeof m.kind === 'string' ? kinds[m.kind] : undefined;
  if (!trainers) {
    throw bad(`has kind ${JSON.stringify(m.kind)}, expected "logistic-regression" or "gradient-boosting"`);
  }
  if (!trainers.includes(m.trainer)) {
    throw bad(`has trainer ${JSON.stringify(m.trainer)}, which does not build a ${m.kind} model`);
  }
  if (m.version !== workload.featureVersion) {
    throw bad(
      `was trained for feature version ${JSON.stringify(m.version)}, the workload is at ${workload.featureVersion}`,
    );
  }
  const expected = workload.featureNames;
  if (!Array.isArray(m.features) || !m.features.every((f) => typeof f === 'string')) {
    throw bad('has no "features" list of names');
  }
  if (m.features.length !== expected.length || m.features.some((f, i) => f !== expected[i])) {
    throw bad(
      `lists features [${m.features.join(', ')}] but ${workloadName} computes [${expected.join(', ')}]`,
    );
  }
  const numbers = (value: unknown, what: string, length = expected.length): number[] => {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw bad(`${what} must be a list of finite numbers`);
    }
    if (value.length !== length) {
      throw bad(
        `${what} has ${value.length} values for ${length} ${what.startsWith('h2o') ? 'rows' : 'features'}`,
      );
    }
    return value as number[];
  };
  if (typeof m.params !== 'object' || m.params === null || Array.isArray(m.params))
    throw bad('params must be an object');
  if (m.trainer === 'h2o-glm' || m.trainer === 'h2o-gbm') {
    const h2o = m.h2o as Record<string, unknown> | undefined;
    if (typeof h2o !== 'object' || h2o === null) throw bad(`has trainer ${m.trainer} but no "h2o" section`);
    if (typeof h2o.mojo !== 'string' || h2o.mojo === '') throw bad('h2o.mojo must name the MOJO file');
    const predictions = h2o.validationPredictions as Record<string, unknown> | undefined;
    if (typeof predictions !== 'object' || predictions === null)
      throw bad('has no h2o.validationPredictions');
    const rows = numbers(
      predictions.p1,
      'h2o.validationPredictions.p1',
      (predictions.p1 as []).length,
    ).length;
    numbers(predictions.label, 'h2o.validationPredictions.label', rows);
  }
  if (m.kind === 'gradient-boosting') {
    const mojo = mojoPathOf(json as AnyModelArtefact, file);
    if (!existsSync(mojo)) {
      throw bad(`its MOJO ${mojo} is missing (the artefact and its MOJO travel together)`);
    }
    return json as AnyModelArtefact;
  }
  const preprocessing = m.preprocessing as Record<string, unknown> | undefined;
  if (typeof preprocessing !== 'object' || preprocessing === null) throw bad('has no "preprocessing"');
  numbers(preprocessing.mean, 'preprocessing.mean');
  if (numbers(preprocessing.std, 'preprocessing.std').some((s) => s === 0))
    throw bad('preprocessing.std has a 0');
  numbers(m.coefficients, 'coefficients');
  if (typeof m.intercept !== 'number' || !Number.isFinite(m.intercept))
    throw bad('intercept must be a finite number');
  return json as ModelArtefact;
}

/** Where an H2O model's MOJO lies: its `h2o.mojo`, relative to the artefact file's folder. */
export function mojoPathOf(model: AnyModelArtefact, artefactPath: string): string {
  if (!model.h2o) throw new BadInputError(`model ${artefactPath} was not built by H2O and has no MOJO`);
  return resolve(dirname(resolve(artefactPath)), model.h2o.mojo);
}

export interface TrainAndSaveOptions {
  seed: number;
  dataPath?: string;
  /** Output file; defaults to the workload's model path in scenarios/workloads/models/. */
  out?: string;
}

/** Trains a registered workload's model, writes it, and returns it with a report for the terminal. */
export async function trainAndSave(
  name: string,
  opts: TrainAndSaveOptions,
): Promise<{ artefact: ModelArtefact; path: string; report: string }> {
  const workload = getWorkload(name);
  const trainOpts: TrainOptions = { seed: opts.seed };
  if (opts.dataPath !== undefined) trainOpts.dataPath = opts.dataPath;
  const artefact = await trainModel(workload, trainOpts);
  const path = resolve(opts.out ?? defaultModelPath(name));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(artefact, null, 2)}\n`);
  return { artefact, path, report: describeModel(artefact, path) };
}

const TRAINER_NAMES: Record<string, string> = {
  own: "faultline's logistic regression",
  'h2o-glm': 'H2O GLM (logistic, ridge)',
  'h2o-gbm': 'H2O GBM',
};

export function describeModel(model: AnyModelArtefact, path?: string): string {
  const { training: t, validation: v } = model;
  const how =
    model.kind === 'logistic-regression' && model.trainer !== 'h2o-glm'
      ? `, ${model.training.iterations} Newton iterations, l2 ${model.training.l2}`
      : model.h2o
        ? `, H2O ${model.h2o.version}`
        : '';
  const lines = [
    `model ${model.workload} (${TRAINER_NAMES[trainerOf(model)]}, ${model.features.length} features, version ${model.version})`,
    `  trained on ${t.trainRows} rows, validated on ${t.validationRows} rows (seed ${t.seed}${how})`,
    `  validation: ${formatFigures(v)}`,
  ];
  if (path) lines.push(`  written to ${path}`);
  if (path && model.h2o) lines.push(`  MOJO: ${mojoPathOf(model, path)}`);
  return lines.join('\n');
}

export function formatFigures(v: ValidationFigures): string {
  return `accuracy ${v.accuracy.toFixed(4)}  AUC ${v.auc.toFixed(5)}  log loss ${v.logLoss.toFixed(4)}`;
}
