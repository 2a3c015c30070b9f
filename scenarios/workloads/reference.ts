/**
 * The reference scorer (the checker's oracle for "incorrect") and the one per-event code path engines run.
 *
 * `runPipelineStep` is parse → step → score for one record: engines call it in their features/score operators,
 * and the reference folds the very same function offline, per key in increasing id order, over exactly the ids
 * the generator got acknowledged. An engine that gives each key its records once, in order, with its state
 * intact produces bit-identical (===) scores; replays that corrupt state show up as differences.
 */
import type { EventSource, ModelArtefact, Workload } from '../../core/workload.ts';
import { score } from '../../core/workload.ts';

/** Scores one feature vector: `score` (the model), or a fan-out branch's own scorer (`challengerScore`). */
export type Scorer = (model: ModelArtefact, features: readonly number[]) => number;

export interface PipelineStepResult<State> {
  state: State;
  features: number[];
  score: number;
}

/** One record through the pipeline: parse the Kafka body, fold it into its key's state, score the features. */
export function runPipelineStep<Body, Parsed, State>(
  workload: Workload<Body, Parsed, State>,
  model: ModelArtefact,
  state: State | undefined,
  body: Body,
): PipelineStepResult<State> {
  const next = workload.step(state, workload.parse(body), model.params);
  return { state: next.state, features: next.features, score: score(model, next.features) };
}

export interface ReferenceScorer {
  /**
   * Folds per-key state from scratch over `ids` (strictly increasing; ids left out are skipped, state and all)
   * and returns the expected score at each given id, NaN at every other index. The array has `size` entries
   * (default: last id + 1). Memory: the output array and one state per key; no event is kept. `scorer` scores
   * the features (default: the model's `score`; a fan-out branch passes its own).
   */
  expectedScores(ids: Iterable<number>, size?: number, scorer?: Scorer): Float64Array;
}

export function createReferenceScorer<Body, Parsed, State>(
  workload: Workload<Body, Parsed, State>,
  source: EventSource<Body>,
  model: ModelArtefact,
): ReferenceScorer {
  return {
    expectedScores(ids, size, scorer) {
      let scores = new Float64Array(size ?? 1024).fill(Number.NaN);
      let last = -1;
      for (const { id, features } of foldFeatures(workload, source, model.params, ids)) {
        if (id >= scores.length) {
          if (size !== undefined)
            throw new RangeError(`reference scorer: id ${id} is outside 0..${size - 1}`);
          const grown = new Float64Array(Math.max(id + 1, scores.length * 2)).fill(Number.NaN);
          grown.set(scores);
          scores = grown;
        }
        scores[id] = (scorer ?? score)(model, features);
        last = id;
      }
      return size === undefined ? scores.slice(0, last + 1) : scores;
    },
  };
}

/**
 * The feature vectors the pipeline computes at `ids` (strictly increasing; ids left out are skipped, state and
 * all), per-key state folded from scratch exactly as `expectedScores` does: what a model TypeScript cannot score
 * (an H2O MOJO, scored in the JVM by infra/h2o) is given for the reference scores.
 */
export function* foldFeatures<Body, Parsed, State>(
  workload: Workload<Body, Parsed, State>,
  source: EventSource<Body>,
  params: Record<string, unknown>,
  ids: Iterable<number>,
): Generator<{ id: number; features: number[] }> {
  const stateByKey = new Map<string, State>();
  let previous = -1;
  for (const id of ids) {
    if (!Number.isInteger(id) || id <= previous) {
      throw new RangeError(
        `reference scorer: ids must be strictly increasing integers ≥ 0 (got ${id} after ${previous})`,
      );
    }
    const { key, body } = source.event(id);
    const next = workload.step(stateByKey.get(key), workload.parse(body), params);
    stateByKey.set(key, next.state);
    yield { id, features: next.features };
    previous = id;
  }
}
