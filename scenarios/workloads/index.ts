/**
 * Workloads: the registry, model training and files, and the reference scorer. The narrow surface the
 * harness, the CLI and the engines import.
 */
export {
  createReferenceScorer,
  foldFeatures,
  type PipelineStepResult,
  type ReferenceScorer,
  runPipelineStep,
  type Scorer,
} from './reference.ts';
export {
  DEFAULT_WORKLOAD,
  defaultModelPath,
  getWorkload,
  type RegisteredWorkload,
  workloadNames,
  workloads,
} from './registry.ts';
export { TITANIC_CSV_ENV } from './titanic.ts';
export {
  describeModel,
  evaluate,
  formatFigures,
  loadModel,
  mojoPathOf,
  readModelFile,
  type TrainAndSaveOptions,
  type TrainOptions,
  trainAndSave,
  trainModel,
  validationFigures,
} from './train.ts';
