import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '../../core/errors.ts';
import { KAFKA_VERSION, TOXIPROXY_VERSION } from '../local/provision.ts';
import {
  buildStepOf,
  DEBIAN_IMAGE,
  dockerBuildArgs,
  IMAGES,
  IMAGES_DIR,
  looksLikePullFailure,
  planBuilds,
  selectImages,
} from './images.ts';

const plan = (offline: boolean, only?: string[]) =>
  planBuilds({
    offline,
    only,
    nodeVersion: '20.20.2',
    contextsDir: '/cache/images',
    imagesDir: '/repo/infra/docker/images',
    repoRoot: '/repo',
  });

describe('IMAGES', () => {
  it('names the images other code runs', () => {
    expect(IMAGES).toEqual({
      engine: 'faultline/engine:0.1',
      kafka: `faultline/kafka:${KAFKA_VERSION}`,
      redis: 'faultline/redis:7',
      toxiproxy: `faultline/toxiproxy:${TOXIPROXY_VERSION}`,
      jvm: 'faultline/jvm:17',
    });
    expect(IMAGES.kafka).toBe('faultline/kafka:3.9.1');
    expect(IMAGES.toxiproxy).toBe('faultline/toxiproxy:2.12.0');
  });

  it('has one Dockerfile per image, its base a build argument, and one offline base for each', () => {
    for (const name of Object.keys(IMAGES)) {
      const text = readFileSync(join(IMAGES_DIR, `${name}.Dockerfile`), 'utf8');
      expect(text).toMatch(/^ARG BASE=\S+$/m);
      expect(text).toMatch(/^FROM \$\{BASE\}$/m);
    }
    for (const build of plan(true).filter((b) => b.stage === 'base')) {
      expect(existsSync(join(IMAGES_DIR, build.dockerfile.split('/').at(-1)!))).toBe(true);
    }
  });
});

describe('planBuilds', () => {
  it('with a registry builds the five images from their default bases, engine last', () => {
    const builds = plan(false);
    expect(builds.map((b) => b.tag)).toEqual([
      IMAGES.redis,
      IMAGES.toxiproxy,
      IMAGES.kafka,
      IMAGES.jvm,
      IMAGES.engine,
    ]);
    expect(builds.every((b) => b.stage === 'image' && Object.keys(b.buildArgs).length === 0)).toBe(true);
  });

  it('offline builds each base right before its image and passes it as BASE', () => {
    const builds = plan(true);
    expect(builds.map((b) => `${b.stage} ${b.tag}`)).toEqual([
      'base faultline/redis-base:7-offline',
      'image faultline/redis:7',
      'base faultline/toxiproxy-base:2.12.0-offline',
      'image faultline/toxiproxy:2.12.0',
      'base faultline/kafka-base:3.9.1-offline',
      'image faultline/kafka:3.9.1',
      'base faultline/jvm-base:17-offline',
      'image faultline/jvm:17',
      'base faultline/node-base:20-offline',
      'image faultline/engine:0.1',
    ]);
    for (let i = 0; i < builds.length; i += 2) {
      expect(builds[i]!.buildArgs).toEqual({ DEBIAN: DEBIAN_IMAGE });
      expect(builds[i + 1]!.buildArgs).toEqual({ BASE: builds[i]!.tag });
    }
  });

  it('builds the engine from the repository root and the services from the Dockerfiles folder', () => {
    const byTag = new Map(plan(true).map((b) => [b.tag, b]));
    expect(byTag.get(IMAGES.engine)).toMatchObject({
      context: '/repo',
      dockerfile: '/repo/infra/docker/images/engine.Dockerfile',
    });
    expect(byTag.get(IMAGES.kafka)?.context).toBe('/repo/infra/docker/images');
    expect(byTag.get('faultline/node-base:20-offline')).toMatchObject({
      context: '/cache/images/node-base-20.20.2',
      dockerfile: '/repo/infra/docker/images/node-base.offline.Dockerfile',
    });
    expect(byTag.get('faultline/kafka-base:3.9.1-offline')?.context).toBe('/cache/images/kafka-base-3.9.1');
  });

  it('builds only the images asked for, in build order', () => {
    expect(plan(true, ['engine', 'redis']).map((b) => b.tag)).toEqual([
      'faultline/redis-base:7-offline',
      IMAGES.redis,
      'faultline/node-base:20-offline',
      IMAGES.engine,
    ]);
  });
});

describe('selectImages', () => {
  it('defaults to all and rejects unknown names', () => {
    expect(selectImages()).toEqual(['redis', 'toxiproxy', 'kafka', 'jvm', 'engine']);
    expect(selectImages([])).toHaveLength(5);
    expect(() => selectImages(['kafka', 'zookeeper'])).toThrow(BadInputError);
    expect(() => selectImages(['zookeeper'])).toThrow(/unknown image "zookeeper"/);
  });
});

describe('dockerBuildArgs', () => {
  it('tags, names the Dockerfile, passes build arguments and a label, context last', () => {
    const kafka = plan(true).find((b) => b.tag === IMAGES.kafka)!;
    expect(dockerBuildArgs(kafka)).toEqual([
      'build',
      '--force-rm',
      '--tag',
      'faultline/kafka:3.9.1',
      '--file',
      '/repo/infra/docker/images/kafka.Dockerfile',
      '--build-arg',
      'BASE=faultline/kafka-base:3.9.1-offline',
      '--label',
      'faultline.image=kafka',
      '/repo/infra/docker/images',
    ]);
  });
});

describe('buildStepOf', () => {
  it('reads legacy builder and BuildKit step lines and ignores the rest', () => {
    expect(buildStepOf('Step 5/17 : RUN npm ci --omit=dev')).toBe('step 5/17 RUN npm ci --omit=dev');
    expect(buildStepOf('#7 [unpack 3/4] RUN mkdir -p /out/bin')).toBe('step 3/4 RUN mkdir -p /out/bin');
    expect(buildStepOf('#5 [2/6] COPY package.json ./')).toBe('step 2/6 COPY package.json ./');
    expect(buildStepOf(' ---> Running in eaf72964fdd9')).toBeUndefined();
    expect(buildStepOf('#7 0.512 added 147 packages')).toBeUndefined();
  });

  it('shortens long steps to one progress line', () => {
    const step = buildStepOf(`Step 6/13 : RUN apt-get update && ${'x'.repeat(200)}`)!;
    expect(step.length).toBeLessThanOrEqual(80);
    expect(step.endsWith('…')).toBe(true);
  });
});

describe('looksLikePullFailure', () => {
  it('is true when the build stopped at FROM or the output says a pull failed', () => {
    expect(
      looksLikePullFailure(
        'Step 1/5 : ARG BASE=redis:7\nStep 2/5 : FROM redis:7-bookworm\nGet "https://x/v2/": …',
      ),
    ).toBe(true);
    expect(looksLikePullFailure('ERROR: failed to solve: failed to resolve source metadata for x')).toBe(
      true,
    );
    expect(looksLikePullFailure('pull access denied for faultline/nothing')).toBe(true);
  });

  it('is false for a failing RUN', () => {
    expect(
      looksLikePullFailure(
        "Step 2/5 : FROM redis:7-bookworm\n ---> 1234\nStep 3/5 : RUN false\nThe command '/bin/sh -c false' returned a non-zero code: 1",
      ),
    ).toBe(false);
  });
});
