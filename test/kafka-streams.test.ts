/**
 * The real Kafka Streams engine (issue 21): its Java side against the TypeScript reference. The app's features
 * step (the shared ports of engines/jvm-workloads, the key's state as the JSON bytes its state store and
 * changelog hold) and score must give the reference scorer's doubles bit for bit, or every output would count
 * as incorrect: FeatureCheck in a JVM on the first 5000 events of seed 1 of each workload, no Kafka (about 1-3 s
 * each). The fault-free run, the exactly-once kill and teardown are the engine contract's (contract.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { ensureStreamsApp } from '../engines/kafka-streams/provision.ts';
import { featureCheck } from './java-feature-check.ts';

describe('kafka-streams: the Java features and score', () => {
  // titanic: 5000 events are more than five loops over its 1309 passengers, so tickets recur across loops.
  it.each(['transactions', 'titanic'])(
    '%s: agree bit for bit with the reference scorer, state through the store JSON',
    async (name) => {
      const result = await featureCheck(
        await ensureStreamsApp(),
        'dev.faultline.kstreams.FeatureCheck',
        name,
      );
      expect(result.scores).toBe(5000);
      expect(result.mismatches.slice(0, 5)).toEqual([]);
    },
  );
});
