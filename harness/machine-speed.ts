/**
 * How fast this machine runs fixed amounts of work now. A bench samples it before its first step, before each
 * entry and after its last step, so that one bench can say its machine changed while it ran, and `compare` can
 * tell a slower machine from a slower engine. On a shared VM the CPU a process gets varies by the hour: on
 * 2026-12-01 this machine's passthrough:instances=2 sustained 36000 events/s at 18:10 and 16000/s at 21:42 with
 * the same code, and five hours apart the multi-process engines spent 1.3–1.8 × the CPU per event while a
 * single thread ran as fast as before.
 *
 * Three probes, each the median of several rounds so that one round that lost the core does not decide it:
 * - the CPU loop: an integer hash (xorshift32) on the calling thread: no allocation, no I/O, nothing the JIT can
 *   drop (its result is kept). It sees a slower core and nothing else.
 * - memory: dependent random reads over a 64 MB array (each address depends on the last value read): cache and
 *   memory latency, which a busy neighbour's working set changes.
 * - a ring of processes: one token passed round RING_PROCESSES processes over TCP loopback, the shape of a
 *   multi-process engine's mesh (a write, a wake-up, a read per hop). Its CPU per hop, over every process in the
 *   ring, is what a frame between two engine workers costs: system calls, scheduling, context switches.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Socket, connect as tcpConnect } from 'node:net';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { median } from '../core/stats.ts';
import { readMachineTimes, stealOfBusy } from './cpu-account.ts';

/** Steps per round: ~10 ms on a 2026 laptop core. */
export const CPU_LOOP_STEPS = 10_000_000;
export const CPU_LOOP_ROUNDS = 9;
/** 64 MB of 32-bit words: far beyond any last-level cache this tool runs on. */
export const MEM_WORDS = 16 * 1024 * 1024;
export const MEM_READS = 500_000;
export const MEM_ROUNDS = 9;
/** The engines' size: a two-partition job runs 7–9 worker processes. */
export const RING_PROCESSES = 8;
export const RING_HOPS = 8000;
export const RING_ROUNDS = 5;
/** Two CPU-loop timings further apart than this share are two different machines (or one that changed). */
export const SPEED_TOLERANCE = 0.15;

/** One sample of the machine: each probe's median over its rounds. */
export interface MachineSample {
  /** The CPU loop, ms per round. */
  cpuLoopMs: number;
  /** One dependent random read over 64 MB, ns (absent in benches from before it was measured). */
  memReadNs?: number;
  /** CPU (every process of the ring) per hop of the token, µs; and wall time per hop (absent: not measured). */
  ringCpuUs?: number;
  ringWallUs?: number;
}

export type Probe = keyof MachineSample;
export const PROBES: readonly Probe[] = ['cpuLoopMs', 'memReadNs', 'ringCpuUs', 'ringWallUs'];

/**
 * Each probe's name in a sentence, its unit, and how far apart two samples must be to say the machine differs:
 * beyond the probe's own noise. Ten samples back to back on the quiet machine (2026-12-02 04:45) spanned: CPU loop
 * 16.0–17.0 ms, memory read 161–187 ns, ring CPU 43.8–61.4 µs per hop (1.40 ×), wall 39.1–53.9 µs.
 */
export const PROBE_TEXT: Record<Probe, { name: string; unit: string; tolerance: number }> = {
  cpuLoopMs: { name: 'the CPU loop', unit: 'ms', tolerance: SPEED_TOLERANCE },
  memReadNs: { name: 'a random memory read', unit: 'ns', tolerance: 0.25 },
  ringCpuUs: { name: `a hop round a ring of ${RING_PROCESSES} processes (CPU)`, unit: 'µs', tolerance: 0.45 },
  ringWallUs: {
    name: `a hop round a ring of ${RING_PROCESSES} processes (wall)`,
    unit: 'µs',
    tolerance: 0.45,
  },
};

/** bench.json `machine`: each probe before the first step and after the last (only the CPU loop in older benches). */
export type MachineSpeed = { cpuLoopMs: { before: number; after: number } } & {
  [P in Exclude<Probe, 'cpuLoopMs'>]?: { before: number; after: number };
};

const round1 = (x: number) => Math.round(x * 10) / 10;

let kept = 0;

/** Median time (ms) of `rounds` rounds of `steps` xorshift32 steps on this thread. */
export function cpuLoopMs(rounds = CPU_LOOP_ROUNDS, steps = CPU_LOOP_STEPS): number {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    let x = (r + 1) | 0;
    for (let i = 0; i < steps; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
    }
    kept ^= x;
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return round1(median(times)!);
}

/** The result of the loops, so that the JIT cannot prove them unused. */
export function cpuLoopResult(): number {
  return kept;
}

/**
 * Median time (ns) of one read in `rounds` rounds of `reads` dependent random reads over `words` 32-bit words
 * (a power of two). Each address mixes in the value the last read returned, so no two reads overlap: the
 * latency of a read that misses the caches, not the memory's bandwidth.
 */
export function memReadNs(rounds = MEM_ROUNDS, reads = MEM_READS, words = MEM_WORDS): number {
  const table = new Uint32Array(words);
  for (let i = 0; i < words; i++) table[i] = Math.imul(i, 2654435761) >>> 0;
  const mask = words - 1;
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let j = r + 1;
    const t0 = process.hrtime.bigint();
    // The counter keeps the walk off a short cycle (a function of j alone would repeat within ~2^16 reads).
    for (let i = 0; i < reads; i++) j = (Math.imul(j, 1103515245) + i + table[j & mask]!) >>> 0;
    kept ^= j;
    times.push(Number(process.hrtime.bigint() - t0) / reads);
  }
  return round1(median(times)!);
}

/** A ring member: listens, says its port, forwards every byte to the next member once told its port. */
const RING_MEMBER = `
const net = require('node:net');
let out;
const server = net.createServer((s) => { s.setNoDelay(true); s.on('data', (d) => out.write(d)); });
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (m) => {
  if (m.next) { out = net.connect(m.next, '127.0.0.1', () => process.send({ connected: true })); out.setNoDelay(true); }
  if (m.cpu) process.send({ cpu: process.cpuUsage() });
});
process.on('disconnect', () => process.exit(0));
`;

const RING_TIMEOUT_MS = 60_000;

/**
 * One token round a ring of `processes` processes (this one and `processes` − 1 children) over TCP loopback,
 * `rounds` rounds of `hops` hops: the median CPU per hop over every process of the ring and wall time per hop (µs).
 * The children are gone when it returns or throws.
 */
export async function ringHopUs(
  processes = RING_PROCESSES,
  hops = RING_HOPS,
  rounds = RING_ROUNDS,
): Promise<{ cpuUs: number; wallUs: number }> {
  if (processes < 2) throw new Error(`a ring needs 2 processes or more, got ${processes}`);
  const children: ChildProcess[] = [];
  const sockets: Socket[] = [];
  const server = createServer();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the ring of ${processes} processes did not finish in ${RING_TIMEOUT_MS} ms`)),
      RING_TIMEOUT_MS,
    );
  });
  const ask = <T>(child: ChildProcess, message: object, key: string) =>
    new Promise<T>((resolveAnswer, reject) => {
      const onExit = (code: number | null) => reject(new Error(`a ring member exited (code ${code})`));
      const onMessage = (m: Record<string, unknown>) => {
        if (!(key in m)) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolveAnswer(m[key] as T);
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (Object.keys(message).length > 0) child.send(message);
    });
  const run = async () => {
    for (let i = 1; i < processes; i++)
      children.push(
        spawn(process.execPath, ['-e', RING_MEMBER], {
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
          env: { ...process.env, NODE_OPTIONS: '' },
        }),
      );
    const ports = await Promise.all(children.map((c) => ask<number>(c, {}, 'port')));
    // This process is the ring's member 0: its listener takes the token back from the last child.
    let hopsDone = 0;
    let target = 0;
    let lapDone: (() => void) | undefined;
    let out: Socket | undefined;
    server.on('connection', (s) => {
      sockets.push(s);
      s.setNoDelay(true);
      s.on('data', (d) => {
        hopsDone += processes * (d.length / 8);
        if (hopsDone >= target) lapDone?.();
        else out!.write(d);
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const ownPort = (server.address() as AddressInfo).port;
    await Promise.all(
      children.map((c, i) => ask(c, { next: i + 1 < children.length ? ports[i + 1] : ownPort }, 'connected')),
    );
    out = tcpConnect(ports[0]!, '127.0.0.1');
    sockets.push(out);
    out.setNoDelay(true);
    await once(out, 'connect');
    const cpuOf = async () => {
      const own = process.cpuUsage();
      const theirs = await Promise.all(children.map((c) => ask<NodeJS.CpuUsage>(c, { cpu: true }, 'cpu')));
      return [own, ...theirs].reduce((sum, u) => sum + u.user + u.system, 0);
    };
    const cpu: number[] = [];
    const wall: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const cpu0 = await cpuOf();
      hopsDone = 0;
      target = hops;
      const lap = new Promise<void>((resolveLap) => {
        lapDone = resolveLap;
      });
      const t0 = process.hrtime.bigint();
      out.write(Buffer.alloc(8, 1));
      await lap;
      wall.push(Number(process.hrtime.bigint() - t0) / 1e3 / hopsDone);
      cpu.push(((await cpuOf()) - cpu0) / hopsDone);
    }
    return { cpuUs: round1(median(cpu)!), wallUs: round1(median(wall)!) };
  };
  try {
    return await Promise.race([run(), timedOut]);
  } finally {
    clearTimeout(timer);
    for (const s of sockets) s.destroy();
    server.close();
    for (const c of children) c.kill('SIGKILL');
  }
}

/**
 * The share of the CPU time this machine wanted over `ms` that the hypervisor took (steal / busy), with every CPU
 * kept busy by a spinning thread: an idle virtual CPU wants nothing and so reads no steal however busy its
 * neighbours are, and a bench asks this between runs, when little else runs. NaN where /proc/stat is not readable.
 */
export async function stealWhileBusy(ms: number, procDir = '/proc'): Promise<number> {
  const spin = `const end = Date.now() + ${Math.max(0, Math.round(ms))}; while (Date.now() < end);`;
  const before = readMachineTimes(procDir);
  await Promise.all(
    Array.from({ length: availableParallelism() }, () => once(new Worker(spin, { eval: true }), 'exit')),
  );
  return stealOfBusy(before, readMachineTimes(procDir));
}

/** Every probe once: ~4 s. A ring that cannot run (no loopback, no fork) leaves its fields out and says why. */
export async function sampleMachine(onRingError?: (err: Error) => void): Promise<MachineSample> {
  const sample: MachineSample = { cpuLoopMs: cpuLoopMs(), memReadNs: memReadNs() };
  try {
    const ring = await ringHopUs();
    sample.ringCpuUs = ring.cpuUs;
    sample.ringWallUs = ring.wallUs;
  } catch (err) {
    onRingError?.(err as Error);
  }
  return sample;
}

/** A bench's machine from its samples before the first step and after the last (probes both measured). */
export function machineSpeed(before: MachineSample, after: MachineSample): MachineSpeed {
  const speed: MachineSpeed = { cpuLoopMs: { before: before.cpuLoopMs, after: after.cpuLoopMs } };
  for (const p of PROBES) {
    const b = before[p];
    const a = after[p];
    if (p !== 'cpuLoopMs' && b !== undefined && a !== undefined) speed[p] = { before: b, after: a };
  }
  return speed;
}

/** One side of a machine speed: the probes `which` ('before' or 'after') measured. */
export function sampleOf(speed: MachineSpeed, which: 'before' | 'after'): MachineSample {
  const sample: MachineSample = { cpuLoopMs: speed.cpuLoopMs[which] };
  for (const p of PROBES) {
    const v = speed[p]?.[which];
    if (v !== undefined) sample[p] = v;
  }
  return sample;
}

/**
 * The median of several samples, probe by probe (a probe one of them did not measure is left out); of two, their
 * mean. A probe reads the moment it runs: between two entries of one bench the memory read read 113–168 ns where
 * the idle machine read 50–56 (ten back to back, twice 66–91) and the CPU loop and ring did not move; the median of
 * a bench's samples is its machine, not one loud moment.
 */
export function medianSample(samples: readonly MachineSample[]): MachineSample {
  const out: MachineSample = { cpuLoopMs: round1(median(samples.map((s) => s.cpuLoopMs))!) };
  for (const p of PROBES) {
    const values = samples.map((s) => s[p]);
    if (values.length > 0 && values.every((v) => v !== undefined)) out[p] = round1(median(values)!);
  }
  return out;
}

/** `loop 16.1 ms, memory read 5.5 ns, ring 63 µs CPU / 57 µs wall per hop`: a sample in one phrase. */
export function sampleText(s: MachineSample): string {
  const parts = [`loop ${s.cpuLoopMs} ms`];
  if (s.memReadNs !== undefined) parts.push(`memory read ${s.memReadNs} ns`);
  if (s.ringCpuUs !== undefined)
    parts.push(
      `ring ${s.ringCpuUs} µs CPU${s.ringWallUs !== undefined ? ` / ${s.ringWallUs} µs wall` : ''} per hop`,
    );
  return parts.join(', ');
}

/**
 * The second sample against the first, one clause per probe that moved more than its tolerance (PROBE_TEXT; a
 * probe one of them lacks is not compared); empty when none did. `names` say where each was taken: ['before the first step',
 * 'after the last'].
 */
export function machineDifferences(
  first: MachineSample,
  second: MachineSample,
  names: [string, string],
): string[] {
  const clauses: string[] = [];
  for (const p of PROBES) {
    const clause = speedDifference(first[p], second[p], names, PROBE_TEXT[p]);
    if (clause) clauses.push(clause);
  }
  return clauses;
}

/**
 * One probe's second timing against its first as a clause, or null when they are within the probe's tolerance of
 * each other (the same speed) or either is missing.
 */
export function speedDifference(
  firstValue: number | undefined,
  secondValue: number | undefined,
  names: [string, string],
  probe: { name: string; unit: string; tolerance: number } = PROBE_TEXT.cpuLoopMs,
): string | null {
  if (firstValue === undefined || secondValue === undefined || !(firstValue > 0 && secondValue > 0))
    return null;
  const ratio = secondValue / firstValue;
  if (Math.abs(ratio - 1) <= probe.tolerance) return null;
  const [first, second] = names;
  const how = ratio > 1 ? `${ratio.toFixed(2)}× slower` : `${(1 / ratio).toFixed(2)}× faster`;
  return `${probe.name} ran ${how} ${second} than ${first} (${secondValue} ${probe.unit} vs ${firstValue} ${probe.unit})`;
}
