/**
 * Worker CPU profiles (`faultline run --cpu-profile`): each node worker runs with V8's sampling profiler
 * (`--cpu-prof`, every 5 ms, written when it exits) into the run's `profiles/<worker>.<attempt>/` folder, one
 * file per thread under V8's name (open one in Chrome DevTools or speedscope for the flame graph). This module reads
 * them back and says, per process, where its CPU time went over the load window: the functions with the most
 * self time (samples whose top frame is that function), idle time left out, so "before you tune, profile" is one
 * flag and one table. A worker's main thread is shown as the worker; its other threads (tsx's module loader) as
 * `<worker> thread N`.
 *
 * "Busy" is sampled time not idle: on a saturated machine it includes time the thread was runnable but waiting
 * for a core, so it can exceed the CPU the process got. The summary sets it beside the CPU /proc counted over the
 * same window (`sampledAgainstCounted`), per run, since the gap is a run's: four runs on a 2-core machine 92–100 %
 * busy read ack-tree at 250/s 1.59 engine cores sampled against 1.19 counted and the harness 1.05 against 0.36, the
 * harness alone at 30000/s 1.44 and 1.45 against 1.12 and 1.11, and ack-tree at 250/s again 0.85 against 1.00 (no
 * gap). `writeBuffer`'s samples (a socket write that wakes its reader, after which the writer may wait for a core)
 * were about half to all of each gap: 0.35 of the engine's 0.40 and 0.31 of the harness's 0.69 in the first run (42 %
 * of the generator thread's samples), 0.37 of 0.32 and 0.34 in the others. The samples cannot say which function's
 * were waits; the count says how much was.
 *
 * The harness's own process (load generator, collector, fault injection) is profiled too, through the inspector
 * in-process, into `harness.cpuprofile`: a harness short of CPU would show as engine latency.
 */
import { type Dirent, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { basename, join } from 'node:path';
import { PROFILE_INTERVAL_US } from '../engines/runtime/worker-launcher.ts';

/** The parts of V8's .cpuprofile format that are read here. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  endTime: number;
  samples: number[];
  /** µs between a sample and the one before it. */
  timeDeltas: number[];
}

export interface ProfileHotspot {
  /** `function (file:line)`; V8's own entries as it names them: `(garbage collector)`, `(program)`. */
  name: string;
  selfMs: number;
  /** Share of the worker's busy time (its sampled time without idle). */
  share: number;
}

export interface WorkerProfile {
  /** `<worker>.<attempt>` for a worker's main thread, `<worker>.<attempt> thread N` for its others, `harness`. */
  worker: string;
  /** Wall time the profiler ran (within the window, when one is given), ms. */
  wallMs: number;
  /** Sampled time not idle, ms: its CPU time, roughly. */
  busyMs: number;
  top: ProfileHotspot[];
}

/** The profile the harness process writes beside its workers'. */
export const HARNESS_PROFILE = 'harness';
/** The profile the generator's thread (in the harness process) writes. */
export const GENERATOR_PROFILE = 'generator';

/**
 * The clock V8 stamps profile samples with (CLOCK_MONOTONIC, µs), the same in every process of the machine:
 * a window taken with it in the harness selects the same span in the workers' profiles.
 */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** A span on `monotonicUs`'s clock: the load window a run's profiles are read over. */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/**
 * Starts V8's sampling profiler on this thread (every 5 ms, as the workers'); `stop` writes `<dir>/<name>.cpuprofile`
 * (`harness` for the run's own thread; the generator's thread profiles itself as `generator`). One at a time per
 * thread: a second profiler's start fails (the inspector's Profiler is per isolate).
 */
export async function profileHarness(name = HARNESS_PROFILE): Promise<{ stop(dir: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_US });
  await session.post('Profiler.start');
  return {
    async stop(dir) {
      try {
        const { profile } = await session.post('Profiler.stop');
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
      } finally {
        session.disconnect();
      }
    },
  };
}

/** Self time per function of one profile, the `limit` largest; only samples inside `window` when one is given. */
export function summarizeProfile(
  worker: string,
  profile: CpuProfile,
  limit = 8,
  window?: ProfileWindow,
): WorkerProfile {
  const nameOf = new Map<number, string>();
  for (const n of profile.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url ? ` (${basename(url)}:${lineNumber + 1})` : '';
    nameOf.set(n.id, `${functionName || '(anonymous)'}${where}`);
  }
  const fromUs = Math.max(profile.startTime, window?.fromUs ?? -Infinity);
  const toUs = Math.min(profile.endTime, window?.toUs ?? Infinity);
  const selfUs = new Map<string, number>();
  let busyUs = 0;
  // timeDeltas[i] is the time before sample i: attribute it to the sample (V8's DevTools do the same).
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const dt = Math.max(0, profile.timeDeltas[i] ?? 0);
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromUs || at > toUs) return;
    const name = nameOf.get(id) ?? '(unknown)';
    if (name === '(idle)') return;
    busyUs += dt;
    selfUs.set(name, (selfUs.get(name) ?? 0) + dt);
  });
  const top = [...selfUs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, selfMs: round(us / 1000), share: busyUs > 0 ? round(us / busyUs, 3) : 0 }));
  return {
    worker,
    wallMs: round(Math.max(0, toUs - fromUs) / 1000),
    busyMs: round(busyUs / 1000),
    top,
  };
}

/** V8's profile name `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`: the thread id (0 is the main thread). */
function threadOf(file: string): number {
  const parts = file.split('.');
  return parts.length === 7 ? Number(parts[4]) : 0;
}

/**
 * Every profile under `dir`, busiest first: `<name>.cpuprofile` files (the harness's) and the per-process folders
 * `<worker>.<attempt>/` the workers write into. Read over `window` when one is given.
 */
export function readProfiles(dir: string, limit = 8, window?: ProfileWindow): WorkerProfile[] {
  const read = (file: string, worker: string) =>
    summarizeProfile(worker, JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, limit, window);
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const profiles: WorkerProfile[] = [];
  for (const e of entries) {
    if (e.isFile() && e.name.endsWith('.cpuprofile'))
      profiles.push(read(join(dir, e.name), e.name.slice(0, -'.cpuprofile'.length)));
    if (!e.isDirectory()) continue;
    for (const f of readdirSync(join(dir, e.name)).filter((n) => n.endsWith('.cpuprofile'))) {
      const thread = threadOf(f);
      profiles.push(read(join(dir, e.name, f), thread === 0 ? e.name : `${e.name} thread ${thread}`));
    }
  }
  return profiles.sort((a, b) => b.busyMs - a.busyMs);
}

/** The CPU /proc counted over the profiles' window (the run's cpu account): cores of the engine and the harness. */
export interface CountedCpu {
  wallS: number;
  engineCores: number;
  harnessCores: number;
}

/** The profiles the harness process writes (its main thread, the generator's thread); the rest are the engine's. */
const HARNESS_PROFILES = new Set([HARNESS_PROFILE, GENERATOR_PROFILE]);

/**
 * The profiles' busy time as cores beside the cores /proc counted for the same processes, engine and harness; where
 * the samples exceed the count, a thread waited for a core at least that much (/proc also counts time the samples
 * miss: kernel time, GC helper threads, so the excess is a lower bound). Undefined without a count.
 */
export function sampledAgainstCounted(
  profiles: readonly WorkerProfile[],
  counted: CountedCpu | undefined,
): string | undefined {
  if (!counted || !(counted.wallS > 0)) return undefined;
  const parts: string[] = [];
  let waited = false;
  for (const [role, cores, harness] of [
    ['engine', counted.engineCores, false],
    ['harness', counted.harnessCores, true],
  ] as const) {
    // A role without profiles (the JVM engines are not profiled) has nothing to set beside its count.
    const mine = profiles.filter((p) => HARNESS_PROFILES.has(p.worker) === harness);
    if (mine.length === 0 || !Number.isFinite(cores)) continue;
    const s = mine.reduce((a, p) => a + p.busyMs, 0) / 1000 / counted.wallS;
    const excess = s - cores;
    const gap = excess > 0.05 && excess > 0.1 * cores;
    waited ||= gap;
    parts.push(
      `${role} ${s.toFixed(2)} sampled vs ${cores.toFixed(2)} counted${gap ? ` (≥ ${excess.toFixed(2)} waiting)` : ''}`,
    );
  }
  if (parts.length === 0) return undefined;
  return `# cores over the window, sampled busy vs /proc: ${parts.join(', ')}${
    waited
      ? ". Samples above the count are a thread not running (waiting for a core), charged to the function it stopped in: in the runs measured writeBuffer's samples (a socket write that wakes its reader) were half to all of the gap, so read such a self time as partly waiting, not work"
      : ''
  }`;
}

/** The profiles as text: per worker its busy time and its hottest functions, beside the CPU /proc counted. */
export function formatProfiles(
  profiles: readonly WorkerProfile[],
  perWorker = 5,
  counted?: CountedCpu,
): string {
  const lines: string[] = [
    '# busy: sampled time not idle, over the load window; on a saturated machine it includes waiting for a core',
  ];
  const against = sampledAgainstCounted(profiles, counted);
  if (against) lines.push(against);
  // A worker's other threads (tsx's module loader) are idle once it has started: listed only when they are not.
  const quiet = profiles.filter((p) => / thread \d+$/.test(p.worker) && p.busyMs < 0.01 * p.wallMs);
  for (const p of profiles) {
    if (quiet.includes(p)) continue;
    lines.push(
      `${p.worker}: busy ${(p.busyMs / 1000).toFixed(1)} s of ${(p.wallMs / 1000).toFixed(1)} s (${p.wallMs > 0 ? Math.round((100 * p.busyMs) / p.wallMs) : 0} %)`,
    );
    for (const h of p.top.slice(0, perWorker))
      lines.push(
        `  ${(h.share * 100).toFixed(1).padStart(5)} %  ${h.selfMs.toFixed(0).padStart(6)} ms  ${h.name}`,
      );
  }
  if (quiet.length > 0) lines.push(`(${quiet.length} other threads under 1 % busy left out)`);
  return `${lines.join('\n')}\n`;
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
