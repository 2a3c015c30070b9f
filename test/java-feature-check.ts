/**
 * The bit-for-bit check every JVM engine's Java side gets (storm, flink, kafka-streams): its FeatureCheck main
 * folds the first events of seed 1 through the engine's features step (state as that engine stores it) and
 * score, printing each score's IEEE-754 bits in hex; they must equal the TypeScript reference scorer's, or every
 * output of the engine would count as incorrect. With an H2O GBM (an engine that scores MOJOs), the reference is
 * what the checker uses for it: infra/h2o's batch MOJO scorer on the reference fold's features. No cluster: one
 * JVM, about 1-3 s (a GBM: two).
 */
import { spawn } from 'node:child_process';
import { scoreWithMojo } from '../infra/h2o/index.ts';
import {
  createReferenceScorer,
  defaultModelPath,
  foldFeatures,
  getWorkload,
  mojoPathOf,
  readModelFile,
} from '../scenarios/workloads/index.ts';

/** The JVM and classpath of a built engine module. */
export interface JavaProgram {
  java: string;
  classpath: string;
}

function javaScoreBits(
  program: JavaProgram,
  mainClass: string,
  modelPath: string,
  workload: string,
  lines: string[],
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(program.java, ['-cp', program.classpath, mainClass, modelPath, workload]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out.trim().split('\n')) : reject(new Error(`FeatureCheck exited ${code}: ${err}`)),
    );
    child.stdin.end(`${lines.join('\n')}\n`);
  });
}

/**
 * The scores `mainClass` prints for the first `events` events of seed 1 with the model file (default: the
 * workload's own), the ids whose bits differ from the reference, and how many distinct scores the reference has.
 */
export async function featureCheck(
  program: JavaProgram,
  mainClass: string,
  name: string,
  { events = 5000, modelPath = defaultModelPath(name) }: { events?: number; modelPath?: string } = {},
): Promise<{ scores: number; mismatches: number[]; distinct: number }> {
  const workload = getWorkload(name);
  const source = await workload.source({ seed: 1 });
  const model = readModelFile(modelPath, name);
  const ids = Array.from({ length: events }, (_, i) => i);
  const expected =
    model.kind === 'gradient-boosting'
      ? await scoreWithMojo(
          mojoPathOf(model, modelPath),
          model.features,
          Array.from(foldFeatures(workload, source, model.params, ids), (r) => r.features),
        )
      : createReferenceScorer(workload, source, model).expectedScores(ids);
  const bits = new DataView(new ArrayBuffer(8));
  const expectedBits = Array.from(expected, (s) => {
    bits.setFloat64(0, s);
    return bits.getBigUint64(0).toString(16);
  });
  const actual = await javaScoreBits(
    program,
    mainClass,
    modelPath,
    name,
    ids.map((id) => JSON.stringify(source.event(id))),
  );
  return {
    scores: actual.length,
    mismatches: actual.flatMap((b, id) => (b === expectedBits[id] ? [] : [id])),
    distinct: new Set(expectedBits).size,
  };
}
