/**
 * Provisioning of H2O-3 for `faultline model train`, cached and idempotent like Kafka's jars: the H2O server
 * from Maven Central jars (h2o-core, h2o-algos, h2o-web, h2o-jetty-9, h2o-logging-impl-classic) plus the
 * one-class launcher in java/, and, apart from it, h2o-genmodel with the MOJO scoring helper (what a JVM
 * engine embeds to score a model). Each is a Maven module written into `<cache>/`, fetched once, compiled
 * with the JDK's javac; a second call finds the `.complete` marker and returns at once.
 *
 * The version is pinned: H2O_VERSION must be a release that exports MOJOs (see README, "Models built with
 * H2O"). 3.46.0.12 answers a MOJO export with "requires H2O-3 Secure"; 3.44.0.1 is Apache-2.0 and exports.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requireMaven } from '../../clients/host-tools.ts';
import { MissingToolError, ServiceFailedError } from '../../core/errors.ts';
import { noProgress, type ProgressSink, timed } from '../../core/progress.ts';
import { cacheDir } from '../local/paths.ts';
import { which } from '../local/processes.ts';
import { run } from '../local/provision.ts';

export const H2O_VERSION = '3.44.0.1';

const SERVER_ARTIFACTS = ['h2o-core', 'h2o-algos', 'h2o-web', 'h2o-jetty-9', 'h2o-logging-impl-classic'];
const JAVA_SOURCES = fileURLToPath(new URL('./java/', import.meta.url));

/** A JVM program ready to run: `java -cp <classpath> <mainClass>`. */
export interface JavaProgram {
  java: string;
  classpath: string;
  mainClass: string;
  version: string;
}

/** The H2O server (jars + launcher) in `<cache>/h2o-<version>`. */
export function ensureH2oServer(progress: ProgressSink = noProgress): Promise<JavaProgram> {
  return ensureJavaModule(
    {
      name: `h2o-${H2O_VERSION}`,
      what: `H2O ${H2O_VERSION} jars`,
      artifacts: SERVER_ARTIFACTS,
      source: 'FaultlineH2O.java',
      mainClass: 'FaultlineH2O',
    },
    progress,
  );
}

/** h2o-genmodel and the MOJO scoring helper in `<cache>/h2o-genmodel-<version>`. */
export function ensureMojoScorer(progress: ProgressSink = noProgress): Promise<JavaProgram> {
  return ensureJavaModule(
    {
      name: `h2o-genmodel-${H2O_VERSION}`,
      what: `h2o-genmodel ${H2O_VERSION}`,
      artifacts: ['h2o-genmodel'],
      source: 'ScoreMojo.java',
      mainClass: 'ScoreMojo',
    },
    progress,
  );
}

interface JavaModule {
  name: string;
  what: string;
  artifacts: string[];
  source: string;
  mainClass: string;
}

async function ensureJavaModule(module: JavaModule, progress: ProgressSink): Promise<JavaProgram> {
  const java = which('java');
  const javac = which('javac');
  if (!java || !javac) {
    throw new MissingToolError(
      'java and javac (JDK 17+)',
      'install a JDK: sudo apt-get install -y openjdk-17-jdk-headless',
    );
  }
  const home = join(cacheDir(), module.name);
  const libs = join(home, 'libs');
  const source = readFileSync(join(JAVA_SOURCES, module.source), 'utf8');
  // The compiled helper is keyed by its source, so an edited helper is rebuilt and the jars are kept.
  const classes = join(home, `classes-${createHash('sha256').update(source).digest('hex').slice(0, 12)}`);
  const program = {
    java,
    classpath: `${classes}:${join(libs, '*')}`,
    mainClass: module.mainClass,
    version: H2O_VERSION,
  };
  if (existsSync(join(home, '.complete')) && existsSync(join(classes, `${module.mainClass}.class`))) {
    return program;
  }
  mkdirSync(home, { recursive: true });
  if (!existsSync(join(home, '.complete'))) {
    const mvn = requireMaven();
    writeFileSync(join(home, 'pom.xml'), modulePom(module));
    const staging = join(home, 'libs.partial');
    rmSync(staging, { recursive: true, force: true });
    await timed(progress, `Fetching ${module.what} from Maven Central`, () =>
      run(mvn, ['-B', '-q', 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`], { cwd: home }),
    );
    const first = `${module.artifacts[0]}-${H2O_VERSION}.jar`;
    if (!readdirSync(staging).includes(first)) {
      throw new ServiceFailedError('h2o', `Maven finished but ${staging} holds no ${first}`);
    }
    rmSync(libs, { recursive: true, force: true });
    renameSync(staging, libs);
    writeFileSync(join(home, '.complete'), new Date().toISOString());
  }
  const staging = `${classes}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const sourceFile = join(staging, module.source);
  writeFileSync(sourceFile, source);
  await timed(progress, `Compiling ${module.mainClass}`, () =>
    run(javac, ['-cp', join(libs, '*'), '-d', staging, sourceFile]),
  );
  rmSync(classes, { recursive: true, force: true });
  renameSync(staging, classes);
  return program;
}

function modulePom(module: JavaModule): string {
  const dependencies = module.artifacts
    .map(
      (a) =>
        `    <dependency><groupId>ai.h2o</groupId><artifactId>${a}</artifactId><version>${H2O_VERSION}</version></dependency>`,
    )
    .join('\n');
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.faultline</groupId>
  <artifactId>${module.name}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${dependencies}
  </dependencies>
</project>
`;
}
