/**
 * The face of harness/ for the layers above (dashboards, cli): one run, a matrix, the throughput bench, the
 * providers, and the shapes of what a run leaves behind (summary, latency histograms, time series).
 */
export {
  BENCH_DEFAULTS,
  type BenchEntry,
  type BenchResult,
  formatBench,
  latencyAtHalf,
  parseEngineSpec,
  QUIET_HOST,
  REFERENCE_QUIET,
  runBench,
} from './bench.ts';
export {
  bandText,
  cpuText,
  entryFit,
  isVerdict,
  type LowLoadReference,
  lowLoadReference,
  lowLoadText,
  round3,
  tallyText,
} from './bench-report.ts';
export { outcomeOfTally, poolTallies, type RateTally } from './bench-search.ts';
export { type CpuAccount, formatCpuAccount, SATURATED_BUSY, saturationNote } from './cpu-account.ts';
export { type CrossingFit, fitsOverlap, fitText } from './crossing-fit.ts';
export { codeDiffers } from './environment.ts';
export { createLatencyHistogram, type Histogram } from './latency.ts';
export {
  type MachineSample,
  type MachineSpeed,
  machineDifferences,
  medianSample,
  PROBES,
  sampleOf,
  sampleText,
  speedDifference,
} from './machine-speed.ts';
export {
  checkedModelPath,
  loadMatrixSpec,
  MATRIX_SCHEMA,
  type MatrixCell,
  runMatrix,
  setRepeat,
} from './matrix.ts';
export {
  AGREEMENT_TOLERANCE,
  describeValidation,
  MODEL_TRAINERS,
  type ModelTrainRequest,
  type ModelTrainResult,
  type ModelValidation,
  parseTrainer,
  trainWorkloadModel,
  validateModel,
} from './model-training.ts';
export { PROVIDERS, type Provider, parseProvider } from './provider.ts';
export {
  formatRecovery,
  RECOVERY_DEFINITION,
  type RecoveryEntry,
  recoveryOutcome,
  unknownRecovery,
} from './recovery.ts';
export { TIMESERIES_HEADER } from './run-files.ts';
export { type RunTick, runScenario } from './runner.ts';
export {
  backfillSoakEvidence,
  DEFAULT_SHRINK_RUNS,
  defaultSoakSpec,
  describeFault,
  formatSoak,
  formatSoakEvidence,
  formatSoakRecovery,
  replayCommand,
  runSoak,
  SOAK_SCHEMA,
  type SoakAttempt,
  type SoakFile,
  type SoakRecoveryTotals,
  type SoakRun,
  soakEvidence,
  soakRecovery,
  soakTotals,
} from './soak.ts';
export { type Environment, type RunSummary, SUMMARY_SCHEMA } from './summary.ts';
export {
  latencyBound,
  latencyBounds,
  latencyVerdict,
  SUSTAINABLE_RULE,
  type SustainableRule,
} from './sustainable.ts';
