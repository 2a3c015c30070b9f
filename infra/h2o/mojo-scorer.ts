/**
 * Scores feature vectors with an H2O MOJO in the JVM, through h2o-genmodel (java/ScoreMojo.java): what a JVM
 * engine embeds, and the reference for any model type TypeScript cannot score. One batch per call: the
 * vectors go in as CSV, each P(class 1) comes back as Java's Double.toString, which round-trips exactly.
 */
import { spawn } from 'node:child_process';
import { ServiceFailedError } from '../../core/errors.ts';
import { noProgress, type ProgressSink } from '../../core/progress.ts';
import { ensureMojoScorer } from './provision.ts';

export async function scoreWithMojo(
  mojoPath: string,
  featureNames: readonly string[],
  rows: readonly (readonly number[])[],
  progress: ProgressSink = noProgress,
): Promise<number[]> {
  const program = await ensureMojoScorer(progress);
  const input = [featureNames.join(','), ...rows.map((r) => r.map((x) => String(x)).join(','))].join('\n');
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(program.java, ['-cp', program.classpath, program.mainClass, mojoPath], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new ServiceFailedError('mojo scorer', `exited with ${code} scoring ${mojoPath}\n${err}`));
    });
    child.stdin.end(`${input}\n`);
  });
  const scores = output.trim() === '' ? [] : output.trim().split('\n').map(Number);
  if (scores.length !== rows.length || scores.some((s) => !Number.isFinite(s))) {
    throw new ServiceFailedError('mojo scorer', `gave ${scores.length} scores for ${rows.length} rows`);
  }
  return scores;
}
