/**
 * Provisioning of the real services, cached and idempotent: Redis from Debian's package, Apache Kafka in KRaft
 * mode from Maven Central jars, and the Toxiproxy v2 server built with `go install`. A second call finds the
 * cache and returns in milliseconds; the first shows what it fetches and how long it takes.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireJava, requireMaven, run } from '../../clients/host-tools.ts';
import { MissingToolError, ServiceFailedError } from '../../core/errors.ts';
import { noProgress, type ProgressSink, timed } from '../../core/progress.ts';
import { cacheDir } from './paths.ts';
import { which } from './processes.ts';

export const KAFKA_VERSION = '3.9.1';
export const TOXIPROXY_VERSION = '2.12.0';

export interface Binaries {
  redisServer: string;
  java: string;
  kafkaLibs: string;
  kafkaVersion: string;
  toxiproxyServer: string;
  toxiproxyVersion: string;
}

export async function provision(progress: ProgressSink = noProgress): Promise<Binaries> {
  const redisServer = await ensureRedis(progress);
  const { java, libs } = await ensureKafka(progress);
  const toxiproxyServer = await ensureToxiproxy(progress);
  return {
    redisServer,
    java,
    kafkaLibs: libs,
    kafkaVersion: KAFKA_VERSION,
    toxiproxyServer,
    toxiproxyVersion: TOXIPROXY_VERSION,
  };
}

/** redis-server from Debian; installed with apt-get when missing and we are root. */
export async function ensureRedis(progress: ProgressSink = noProgress): Promise<string> {
  const found = which('redis-server');
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new MissingToolError(
      'redis-server',
      'install Redis 7: sudo apt-get install -y redis-server (Debian/Ubuntu), then run the command again',
    );
  }
  await timed(progress, 'Installing redis-server (apt-get)', async () => {
    await run('apt-get', ['update', '-qq'], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  });
  const installed = which('redis-server');
  if (!installed)
    throw new MissingToolError('redis-server', 'apt-get reported success but redis-server is not on PATH');
  return installed;
}

/** Kafka jars in `<cache>/kafka-<version>/libs`, fetched once with Maven. */
export async function ensureKafka(
  progress: ProgressSink = noProgress,
): Promise<{ java: string; libs: string }> {
  const java = requireJava();
  const home = join(cacheDir(), `kafka-${KAFKA_VERSION}`);
  const libs = join(home, 'libs');
  if (existsSync(join(home, '.complete'))) return { java, libs };

  const mvn = requireMaven();
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'pom.xml'), kafkaPom(KAFKA_VERSION));
  const staging = join(home, 'libs.partial');
  rmSync(staging, { recursive: true, force: true });
  await timed(progress, `Fetching Kafka ${KAFKA_VERSION} jars from Maven Central`, () =>
    run(mvn, ['-B', '-q', 'dependency:copy-dependencies', `-DoutputDirectory=${staging}`], { cwd: home }),
  );
  if (!readdirSync(staging).some((f) => f.startsWith(`kafka_2.13-${KAFKA_VERSION}`))) {
    throw new ServiceFailedError('kafka', `Maven finished but ${staging} holds no kafka_2.13 jar`);
  }
  rmSync(libs, { recursive: true, force: true });
  renameSync(staging, libs);
  writeFileSync(join(home, '.complete'), new Date().toISOString());
  return { java, libs };
}

/** toxiproxy-server in `<cache>/bin`, built once with `go install`. */
export async function ensureToxiproxy(progress: ProgressSink = noProgress): Promise<string> {
  const bin = join(cacheDir(), 'bin');
  const target = join(bin, `toxiproxy-server-${TOXIPROXY_VERSION}`);
  if (existsSync(target)) return target;
  const go = which('go');
  if (!go)
    throw new MissingToolError(
      'go (Go toolchain)',
      'install Go 1.22+ (https://go.dev/doc/install) and put it on PATH',
    );
  const gobin = join(bin, 'go-install.partial');
  rmSync(gobin, { recursive: true, force: true });
  mkdirSync(gobin, { recursive: true });
  await timed(progress, `Building Toxiproxy ${TOXIPROXY_VERSION} with go install`, () =>
    run(
      go,
      [
        'install',
        `-ldflags=-X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY_VERSION}`,
        `github.com/Shopify/toxiproxy/v2/cmd/server@v${TOXIPROXY_VERSION}`,
      ],
      {
        env: { ...process.env, GOBIN: gobin, GOFLAGS: '-mod=mod' },
      },
    ),
  );
  renameSync(join(gobin, 'server'), target);
  rmSync(gobin, { recursive: true, force: true });
  return target;
}

function kafkaPom(version: string): string {
  return `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.faultline</groupId>
  <artifactId>kafka-libs</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>${version}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
`;
}

/** Runs a command to completion; on failure the error carries the tail of its output. */
export { run };
