/**
 * `faultline model train`: trains a workload's model with the chosen trainer (own, h2o-glm, h2o-gbm), exports
 * it, prints its validation figures next to the current model's. `faultline model validate`: scores the
 * validation split through the engines' path and compares with H2O's own predictions.
 */
import { describeValidation, parseTrainer, trainWorkloadModel, validateModel } from '../harness/index.ts';
import { terminalProgress } from './progress-reporter.ts';

export interface ModelTrainFlags {
  workload: string;
  trainer: string;
  out?: string;
  seed: number;
  data?: string;
  json?: boolean;
}

export async function modelTrainCommand(flags: ModelTrainFlags): Promise<number> {
  const { artefact, path, current, report } = await trainWorkloadModel({
    workload: flags.workload,
    trainer: parseTrainer(flags.trainer),
    seed: flags.seed,
    dataPath: flags.data,
    out: flags.out,
    progress: terminalProgress(),
  });
  if (flags.json) {
    const summary = {
      path,
      trainer: artefact.trainer ?? 'own',
      kind: artefact.kind,
      validation: artefact.validation,
      training: artefact.training,
      ...(artefact.h2o ? { h2o: { version: artefact.h2o.version, mojo: artefact.h2o.mojo } } : {}),
      ...(current ? { current: { path: current.path, validation: current.model.validation } } : {}),
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else {
    process.stdout.write(`${report}\n`);
  }
  return 0;
}

export interface ModelValidateFlags {
  model: string;
  data?: string;
  json?: boolean;
}

/** Exit 1 when the scores disagree with H2O's beyond the tolerance (a failed check). */
export async function modelValidateCommand(flags: ModelValidateFlags): Promise<number> {
  const result = await validateModel(flags.model, { dataPath: flags.data, progress: terminalProgress() });
  process.stdout.write(
    flags.json ? `${JSON.stringify(result, null, 2)}\n` : `${describeValidation(result)}\n`,
  );
  return result.h2o && !result.h2o.withinTolerance ? 1 : 0;
}
