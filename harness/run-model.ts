/**
 * The model of a run and the checker's reference scores for it. A linear model (own, h2o-glm) is scored by
 * the TypeScript reference scorer, as every engine scores it. An H2O GBM (kind gradient-boosting) exists only as
 * its MOJO: an engine that declares `scoresMojo` (storm) scores it through h2o-genmodel, the mini engines refuse
 * it, and the reference scores come from the same MOJO in one batch (infra/h2o/mojo-scorer.ts) on the feature
 * vectors the reference fold computes, so `incorrect` stays an exact comparison, not a tolerance.
 */
import { BadInputError } from '../core/errors.ts';
import type { TopologyKind } from '../core/types.ts';
import { type AnyModelArtefact, branchScorer, type EventSource, type Workload } from '../core/workload.ts';
import { engines } from '../engines/index.ts';
import type { Engine } from '../engines/types.ts';
import { scoreWithMojo } from '../infra/h2o/index.ts';
import {
  createReferenceScorer,
  foldFeatures,
  mojoPathOf,
  readModelFile,
} from '../scenarios/workloads/index.ts';

/** Reads the model file and checks the engine (and topology) can score it. */
export function modelFor(
  engine: Engine,
  modelPath: string,
  workloadName: string,
  topology: TopologyKind,
): AnyModelArtefact {
  const model = readModelFile(modelPath, workloadName);
  if (model.kind !== 'gradient-boosting') return model;
  if (!engine.scoresMojo) {
    const mojoEngines = Object.values(engines)
      .flatMap((e) => (e?.scoresMojo ? [e.name] : []))
      .join(', ');
    throw new BadInputError(
      `model file ${modelPath} is an H2O GBM (kind "gradient-boosting", trainer "h2o-gbm"): engine ${engine.name} scores linear models only; an H2O GBM is scored from its MOJO in the JVM (engines that can: ${mojoEngines})`,
      {
        code: 'BAD_MODEL',
        fix: `run it on an engine that scores MOJOs (--engine ${mojoEngines}), or train a linear model for ${engine.name} (\`faultline model train --workload ${workloadName} --trainer h2o-glm\` or --trainer own)`,
      },
    );
  }
  if (topology !== 'chain') {
    throw new BadInputError(
      `an H2O GBM model scores the chain topology only, not ${topology} (its challenger branch recalibrates a linear model)`,
      { code: 'BAD_MODEL', fix: 'use --topology chain, or a linear model' },
    );
  }
  return model;
}

/** The reference score of every id in `ids` (NaN elsewhere; `size` entries) for a chain or a fan-out branch. */
export async function referenceScores<Body>(
  run: { model: AnyModelArtefact; modelPath: string },
  workload: Workload<Body>,
  source: EventSource<Body>,
  ids: Iterable<number>,
  size: number,
  branch: string,
): Promise<Float64Array> {
  const { model } = run;
  if (model.kind !== 'gradient-boosting') {
    return createReferenceScorer(workload, source, model).expectedScores(
      ids,
      size,
      branch ? branchScorer(branch) : undefined,
    );
  }
  const scored: number[] = [];
  const rows: number[][] = [];
  for (const { id, features } of foldFeatures(workload, source, model.params, ids)) {
    if (id >= size) throw new RangeError(`reference scorer: id ${id} is outside 0..${size - 1}`);
    scored.push(id);
    rows.push(features);
  }
  const scores = new Float64Array(size).fill(Number.NaN);
  const mojoScores = await scoreWithMojo(mojoPathOf(model, run.modelPath), model.features, rows);
  for (let i = 0; i < scored.length; i++) scores[scored[i]!] = mojoScores[i]!;
  return scores;
}
