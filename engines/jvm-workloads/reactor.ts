/**
 * The JVM engines' build of the shared workloads module (this folder's pom.xml: the workloads' Java ports, the
 * linear model, the H2O MOJO scorer). An engine's build stages its own Maven module, this one beside it, and a
 * two-module aggregator, so one `mvn -f reactor/pom.xml package` builds both and the engine resolves
 * `dev.faultline:faultline-workloads` from the reactor: nothing is installed into ~/.m2, so worktrees with
 * different versions of the module cannot overwrite each other's.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sourceTreeHash } from '../../clients/host-tools.ts';

const MODULE = fileURLToPath(new URL('./', import.meta.url));
/** The staged copy's folder inside the engine's staging folder. */
const STAGED = 'jvm-workloads';

/** Hash of the module's sources: part of every engine build's cache key. */
export function jvmWorkloadsHash(): string {
  return sourceTreeHash(MODULE, (name) => name === 'pom.xml' || name.endsWith('.java'));
}

/**
 * Copies the engine's module (`engineModule`) into `staging`, this module into `staging/jvm-workloads` and
 * writes the aggregator; returns Maven's arguments that select it. Each module's relative paths stay its own
 * (the engine's `target/`, `libs/` are where they were before the split).
 */
export function stageWithWorkloads(engineModule: string, staging: string): string[] {
  cpSync(engineModule, staging, { recursive: true, filter: (src) => !src.includes('/target') });
  cpSync(join(MODULE, 'pom.xml'), join(staging, STAGED, 'pom.xml'));
  cpSync(join(MODULE, 'src'), join(staging, STAGED, 'src'), { recursive: true });
  mkdirSync(join(staging, 'reactor'), { recursive: true });
  writeFileSync(
    join(staging, 'reactor', 'pom.xml'),
    `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.faultline</groupId>
  <artifactId>faultline-jvm-reactor</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <modules>
    <module>../${STAGED}</module>
    <module>..</module>
  </modules>
</project>
`,
  );
  return ['-f', join('reactor', 'pom.xml')];
}
