/**
 * The contract between a workload (scenarios/workloads) and everything that runs it (engines, harness).
 *
 * A workload is deterministic data plus pure functions: the generator gives the event for any id from the
 * seed alone, `parse` and `step` are pure, and per-key state is explicit plain JSON. Engines decide only where
 * that state lives (Redis, task memory + snapshots, operator checkpoints) and how records flow; the reference
 * scorer folds the same functions offline, so a score computed in a pipeline must be bit-identical to the
 * reference for the same per-key input order.
 */

/** Who built a model: faultline's own logistic regression, or H2O-3 (`faultline model train --trainer`). */
export type ModelTrainer = 'own' | 'h2o-glm' | 'h2o-gbm';

/** What H2O recorded when it built a model: the lab's "validation dataset" travels with the model. */
export interface H2oProvenance {
  version: string;
  algo: 'glm' | 'gbm';
  modelId: string;
  /** The exported MOJO, relative to the artefact file's folder. */
  mojo: string;
  /** The POJO (Java source, the class a Storm bolt can embed), relative like `mojo`. */
  pojo?: string;
  parameters: Record<string, unknown>;
  /** H2O's own `predict` on the validation split, in the split's row order. */
  validationPredictions: {
    /** P(label 1). */
    p1: number[];
    /** H2O's predicted label, at `threshold` (its max-F1 threshold, not 0.5). */
    label: (0 | 1)[];
    threshold: number;
  };
}

/** A trained linear model, exported as a versioned JSON artefact (`faultline model train`). */
export interface ModelArtefact {
  schema: 'faultline/model@1';
  workload: string;
  /** Bumped whenever features or preprocessing change meaning. */
  version: number;
  kind: 'logistic-regression';
  /** Absent for faultline's own trainer (artefacts from before H2O). */
  trainer?: 'own' | 'h2o-glm';
  /** Set for `h2o-glm`: coefficients are then in the features' original units (mean 0, std 1 below). */
  h2o?: H2oProvenance;
  /** Feature names, in the order of `coefficients` and of the vectors `step` returns. */
  features: string[];
  /** Standardisation applied before the dot product: x' = (x - mean) / std. */
  preprocessing: { mean: number[]; std: number[] };
  coefficients: number[];
  intercept: number;
  /** Workload-specific parameters learnt from the training split (e.g. median age per title). */
  params: Record<string, unknown>;
  training: { seed: number; trainRows: number; validationRows: number; iterations: number; l2: number };
  validation: ValidationFigures;
}

export interface ValidationFigures {
  accuracy: number;
  auc: number;
  logLoss: number;
  rows: number;
}

/**
 * A model only the JVM scores: an H2O GBM, kept as its MOJO (scored through h2o-genmodel). The mini engines
 * refuse it; `faultline model validate` scores it in Java.
 */
export interface MojoModelArtefact {
  schema: 'faultline/model@1';
  workload: string;
  version: number;
  kind: 'gradient-boosting';
  trainer: 'h2o-gbm';
  features: string[];
  params: Record<string, unknown>;
  training: { seed: number; trainRows: number; validationRows: number };
  validation: ValidationFigures;
  h2o: H2oProvenance;
}

/** Any model file faultline writes. */
export type AnyModelArtefact = ModelArtefact | MojoModelArtefact;

/** The trainer of a model file, `own` for files that predate the field. */
export function trainerOf(model: AnyModelArtefact): ModelTrainer {
  return model.trainer ?? 'own';
}

export interface WorkloadOptions {
  seed: number;
  /** Path of a data file the workload reads (titanic.csv); workloads that need one say so in their error. */
  dataPath?: string;
}

/** Random access to the event stream: the same seed and id always give the same event. */
export interface EventSource<Body> {
  event(id: number): { key: string; body: Body };
}

/** One labelled example for training, with the features exactly as the pipeline computes them. */
export interface LabelledRow {
  features: number[];
  label: 0 | 1;
}

export interface Workload<Body = unknown, Parsed = unknown, State = unknown> {
  name: string;
  description: string;
  /** Names of the features `step` returns, in order. */
  featureNames: readonly string[];
  /** Builds the seeded event source (may read the data file). */
  source(opts: WorkloadOptions): Promise<EventSource<Body>>;
  /** parse: raw body from Kafka → typed event. Pure. Throws on malformed input. */
  parse(body: Body): Parsed;
  /**
   * features: fold one event into its key's state (undefined for a key never seen) and return the new state and
   * the feature vector for this event. Pure: no clock, no randomness, no I/O.
   */
  step(
    state: State | undefined,
    event: Parsed,
    params: Record<string, unknown>,
  ): { state: State; features: number[] };
  /**
   * Labelled rows for training and validation, produced by folding `step` over the stream in id order, plus the
   * parameters `step` needs that were learnt from the training split only.
   */
  trainingData(opts: WorkloadOptions & { rows?: number }): Promise<{
    train: LabelledRow[];
    validation: LabelledRow[];
    params: Record<string, unknown>;
  }>;
}

/** score: the logistic model applied to one feature vector. The one scoring function everybody calls. */
export function score(model: ModelArtefact, features: readonly number[]): number {
  return 1 / (1 + Math.exp(-logit(model, features)));
}

/**
 * The fan-out's challenger branch: the same model recalibrated with temperature 2 (logit halved), a shadow
 * model's typical change. Deterministic and different from `score` wherever the logit is not 0, so an output
 * scored by the wrong branch shows as incorrect.
 */
export function challengerScore(model: ModelArtefact, features: readonly number[]): number {
  return 1 / (1 + Math.exp(-logit(model, features) / 2));
}

/** The scorer of a fan-out branch: `score` for the model, `challengerScore` for the challenger. */
export function branchScorer(branch: string): (model: ModelArtefact, features: readonly number[]) => number {
  return branch === 'challenger' ? challengerScore : score;
}

function logit(model: ModelArtefact, features: readonly number[]): number {
  const { mean, std } = model.preprocessing;
  let z = model.intercept;
  for (let i = 0; i < model.coefficients.length; i++) {
    const x = features[i] ?? Number.NaN;
    z += model.coefficients[i]! * ((x - mean[i]!) / std[i]!);
  }
  return z;
}
