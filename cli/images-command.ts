/** `faultline images build [--offline]`: the container images that run faultline under Docker. */
import { buildImages, IMAGES, missingImages, selectImages } from '../infra/index.ts';
import { terminalProgress } from './progress-reporter.ts';

export interface ImagesBuildFlags {
  offline?: boolean;
  only?: string;
}

export async function imagesBuildCommand(flags: ImagesBuildFlags): Promise<number> {
  const only = flags.only ? selectImages(flags.only.split(',').map((s) => s.trim())) : undefined;
  const started = Date.now();
  await buildImages({ offline: flags.offline === true, progress: terminalProgress(), only });
  const missing = new Set(await missingImages());
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`images built in ${secs} s${flags.offline ? ' (offline bases)' : ''}:`);
  for (const name of selectImages(only)) {
    const tag = IMAGES[name];
    console.log(`  ${missing.has(tag) ? '✗' : '✓'} ${name.padEnd(10)} ${tag}`);
  }
  return 0;
}
