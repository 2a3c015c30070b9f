/**
 * The harness alone, as the bench's upper limit: no engine. The generator writes output-shaped records
 * (`{id, key, t, score: 0, r, w, body}`, r = w = the handoff to Kafka) straight to the output topic, and the
 * collector reads them with read_committed as it reads any engine's output. What it measures is generator →
 * Kafka → collector: the same producer, broker and consumer the engines' figures pass through, without the
 * engines' extra hop. The input's body stays in the record, so the generator produces the bytes it produces for
 * an engine and the collector parses more than it would: the limit errs low. It cannot show the generator
 * starved of CPU by an engine's processes on the same cores: each step checks that the generator produced its
 * rate, and fails saying the harness is the limit when it did not. Its scores are not the workload's (nothing
 * scores them): the run compares none (reference NaN).
 */
import { BadInputError } from '../core/errors.ts';
import type { Deployment, Engine } from '../engines/index.ts';

export const HARNESS_PIPE = 'harness-pipe';

const nothingDeployed: Deployment = {
  workers: () => [],
  faultTargets: () => ({ processes: {}, controls: {}, links: {} }),
  ready: async () => {},
  restartedWorkers: () => [],
  recordsReplayed: () => 0,
  stop: async () => {},
  [Symbol.asyncDispose]: async () => {},
};

export const harnessPipe: Engine = {
  name: HARNESS_PIPE,
  description:
    'no engine: the generator writes output-shaped records to the output topic (the harness alone)',
  guarantees: ['none'],
  defaultGuarantee: 'none',
  topologies: ['chain'],
  parseOptions(raw) {
    const keys = Object.keys(raw);
    if (keys.length > 0)
      throw new BadInputError(`${HARNESS_PIPE} has no options (got ${keys.join(', ')})`, {
        fix: `give options to the engines only, not to ${HARNESS_PIPE}`,
      });
    return {};
  },
  deploy: async () => nothingDeployed,
};
