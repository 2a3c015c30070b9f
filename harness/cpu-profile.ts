/**
 * Worker CPU profiles (`faultline run --cpu-profile`): each node worker runs with V8's sampling profiler
 * (`--cpu-prof`, written when it exits) into the run's `profiles/` folder, one `<worker>.<attempt>.cpuprofile`
 * per process (open one in Chrome DevTools or speedscope for the flame graph). This module reads them back and
 * says, per worker, where its CPU time went: the functions with the most self time (samples whose top frame is
 * that function), idle time left out, so "before you tune, profile" is one flag and one table.
 *
 * The harness's own process (load generator, collector, fault injection) is profiled too, through the inspector
 * in-process, into `harness.cpuprofile`: a harness short of CPU would show as engine latency.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { basename, join } from 'node:path';

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
  /** The file's name without `.cpuprofile`: `<worker>.<attempt>`. */
  worker: string;
  /** Wall time the profiler ran, ms. */
  wallMs: number;
  /** Sampled time not idle, ms: its CPU time, roughly. */
  busyMs: number;
  top: ProfileHotspot[];
}

/** The profile the harness process writes beside its workers'. */
export const HARNESS_PROFILE = 'harness';

/**
 * Starts V8's sampling profiler on this process (1 ms, as `--cpu-prof`); `stop` writes `<dir>/harness.cpuprofile`.
 * One at a time per process: a second profiler's start fails (the inspector's Profiler is per process).
 */
export async function profileHarness(): Promise<{ stop(dir: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(dir) {
      try {
        const { profile } = await session.post('Profiler.stop');
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, `${HARNESS_PROFILE}.cpuprofile`), JSON.stringify(profile));
      } finally {
        session.disconnect();
      }
    },
  };
}

/** Self time per function of one profile, the `limit` largest. */
export function summarizeProfile(worker: string, profile: CpuProfile, limit = 8): WorkerProfile {
  const nameOf = new Map<number, string>();
  for (const n of profile.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url ? ` (${basename(url)}:${lineNumber + 1})` : '';
    nameOf.set(n.id, `${functionName || '(anonymous)'}${where}`);
  }
  const selfUs = new Map<string, number>();
  let busyUs = 0;
  // timeDeltas[i] is the time before sample i: attribute it to the sample (V8's DevTools do the same).
  profile.samples.forEach((id, i) => {
    const name = nameOf.get(id) ?? '(unknown)';
    if (name === '(idle)') return;
    const dt = Math.max(0, profile.timeDeltas[i] ?? 0);
    busyUs += dt;
    selfUs.set(name, (selfUs.get(name) ?? 0) + dt);
  });
  const top = [...selfUs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, selfMs: round(us / 1000), share: busyUs > 0 ? round(us / busyUs, 3) : 0 }));
  return {
    worker,
    wallMs: round((profile.endTime - profile.startTime) / 1000),
    busyMs: round(busyUs / 1000),
    top,
  };
}

/** Every profile in `dir`, busiest worker first. */
export function readProfiles(dir: string, limit = 8): WorkerProfile[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return [];
  }
  return files
    .map((f) =>
      summarizeProfile(
        f.slice(0, -'.cpuprofile'.length),
        JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile,
        limit,
      ),
    )
    .sort((a, b) => b.busyMs - a.busyMs);
}

/** The profiles as text: per worker its busy time and its hottest functions. */
export function formatProfiles(profiles: readonly WorkerProfile[], perWorker = 5): string {
  const lines: string[] = [];
  for (const p of profiles) {
    lines.push(
      `${p.worker}: busy ${(p.busyMs / 1000).toFixed(1)} s of ${(p.wallMs / 1000).toFixed(1)} s (${p.wallMs > 0 ? Math.round((100 * p.busyMs) / p.wallMs) : 0} %)`,
    );
    for (const h of p.top.slice(0, perWorker))
      lines.push(
        `  ${(h.share * 100).toFixed(1).padStart(5)} %  ${h.selfMs.toFixed(0).padStart(6)} ms  ${h.name}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
