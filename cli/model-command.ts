/** `faultline model train`: trains the workload's logistic regression, exports it, prints validation metrics. */
import { trainAndSave } from '../scenarios/index.ts';

export interface ModelTrainFlags {
  workload: string;
  out?: string;
  seed: number;
  data?: string;
  json?: boolean;
}

export async function modelTrainCommand(flags: ModelTrainFlags): Promise<number> {
  const { artefact, path, report } = await trainAndSave(flags.workload, {
    seed: flags.seed,
    dataPath: flags.data,
    out: flags.out,
  });
  if (flags.json) {
    process.stdout.write(
      `${JSON.stringify({ path, validation: artefact.validation, training: artefact.training }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(`${report}\n`);
  }
  return 0;
}
