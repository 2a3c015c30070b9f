/**
 * Where the machine's CPU went during a run's load window, from /proc (Linux): how busy the machine was, and how
 * many cores the engine's workers, Kafka, Toxiproxy, Redis, the harness itself and everything else used. On a small
 * machine a benchmark's limit is often not the engine: a saturated machine caps every engine alike, and a harness,
 * broker or proxy short of CPU shows as engine latency. This says which it was, with a number per role.
 *
 * A process is told apart by its command line first (Kafka's broker, Toxiproxy, Redis: the harness may have started
 * them), then by its ancestry: the engine's worker processes and their descendants (tsx's esbuild service) are the
 * engine; the harness process and its other descendants are the harness; the rest is other (kernel threads too).
 *
 * It measures, and says what it missed:
 * - a process's time is read from its own counters at each sample, so one that exits loses the time since the
 *   sample before (at most one interval): a process that lives less than an interval may not show at all;
 * - time charged to no process (interrupts) and the time lost so make the roles add up to less than machineBusy;
 * - inside a container /proc lists only the container's processes, while /proc/stat is the host's: other
 *   containers' CPU shows in machineBusy, in no role;
 * - without a readable /proc (not Linux) nothing is measured: machineBusy and every role's cores are NaN.
 * The sampling (one read of every process's stat file per interval) costs a little CPU, counted as the harness's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';

export type CpuRole = 'engine' | 'kafka' | 'toxiproxy' | 'redis' | 'harness' | 'other';

/** The roles in the order they are printed. */
const CPU_ROLES: readonly CpuRole[] = ['engine', 'kafka', 'toxiproxy', 'redis', 'harness', 'other'];

export interface CpuAccount {
  /** Seconds the account covered. */
  wallS: number;
  /** Logical CPUs of the machine. */
  cpus: number;
  /** Share of the machine's CPU time not idle (0..1) over the window, from /proc/stat (iowait counts as idle). */
  machineBusy: number;
  /**
   * Share of the machine's CPU time stolen (0..1): its virtual CPUs wanted to run and the hypervisor ran something
   * else. Counted in machineBusy, in no role: a machine with steal is not quiet, whatever runs on it. Absent in
   * summaries from before it was read.
   */
  machineSteal?: number;
  /** Cores used (CPU seconds / wall seconds) per role, from /proc/<pid>/stat utime+stime. */
  cores: Record<CpuRole, number>;
}

export interface CpuSamplerOptions {
  /** The harness's process: it and its descendants (other than the engine's) are the harness. */
  harnessPid?: number;
  /** The engine's worker processes, asked at every sample (a restart changes them). */
  enginePids: () => readonly number[];
  /** Where procfs is mounted; tests point it at a folder of their own. */
  procDir?: string;
}

/**
 * Clock ticks per second of /proc's counters (USER_HZ, what `getconf CLK_TCK` prints): 100 on every Linux
 * architecture Node runs on, whatever the kernel's own HZ, so it is a constant rather than a subprocess.
 */
export const CLK_TCK = 100;

/** Process-tree depth walked at most (a guard: real trees are far shallower). */
const MAX_ANCESTORS = 256;

/** Kafka's broker: its main class (`kafka.Kafka`, or the KRaft server class) is one argument of the java command. */
const KAFKA_MAIN = /^(kafka\.Kafka|kafka\.server\.[\w.$]+|[\w.$]*KafkaRaftServer)$/;

interface ProcSample {
  ppid: number;
  /** utime + stime, ticks. */
  ticks: number;
  /** Ticks after boot the process started: with the pid, it names one process (pids are reused). */
  startTicks: number;
}

export interface MachineTimes {
  total: number;
  busy: number;
  steal: number;
}

/**
 * The account, driven by hand: the first `sample()` opens the window, each later one adds every process's CPU time
 * since the one before, `account()` closes over the first and the latest sample. `startCpuAccount` drives it with a
 * timer; tests drive it directly.
 */
export function createCpuSampler(opts: CpuSamplerOptions): { sample(): void; account(): CpuAccount } {
  const procDir = opts.procDir ?? '/proc';
  const harnessPid = opts.harnessPid ?? process.pid;
  const roleTicks = zeroRoles();
  /** What each live process had at the latest sample. */
  let seen = new Map<number, ProcSample>();
  let first: { uptimeS: number; machine: MachineTimes; cpus: number } | undefined;
  let last: { uptimeS: number; machine: MachineTimes } | undefined;
  /** No readable /proc at the first sample: nothing is measured. */
  let unavailable = false;
  let firstMs = 0;
  let lastMs = 0;

  function sample(): void {
    if (unavailable) {
      lastMs = performance.now();
      return;
    }
    const uptimeS = readUptime(procDir);
    const stat = readMachine(procDir);
    if (uptimeS === undefined || stat === undefined) {
      if (first === undefined) {
        unavailable = true;
        firstMs = lastMs = performance.now();
      }
      return;
    }
    const opening = first === undefined;
    if (first === undefined)
      first = { uptimeS, machine: stat.times, cpus: stat.cpus || availableParallelism() };
    last = { uptimeS, machine: stat.times };
    const windowStartTicks = first.uptimeS * CLK_TCK;

    const procs = readProcs(procDir);
    if (procs === undefined) return;
    const engines = new Set(safeEnginePids(opts.enginePids));
    for (const [pid, now] of procs) {
      if (opening) continue;
      const before = seen.get(pid);
      const delta =
        before !== undefined && before.startTicks === now.startTicks
          ? now.ticks - before.ticks
          : now.startTicks > windowStartTicks
            ? now.ticks // started inside the window: all of its time is the window's
            : 0; // older, first seen now (missed before): counts from this sample
      if (delta > 0) roleTicks[classify(procDir, pid, procs, engines, harnessPid)] += delta;
    }
    seen = procs;
  }

  function account(): CpuAccount {
    if (unavailable || first === undefined || last === undefined) {
      return {
        wallS: (lastMs - firstMs) / 1000,
        cpus: availableParallelism(),
        machineBusy: Number.NaN,
        cores: mapRoles(() => Number.NaN),
      };
    }
    const wallS = last.uptimeS - first.uptimeS;
    const total = last.machine.total - first.machine.total;
    return {
      wallS,
      cpus: first.cpus,
      machineBusy: total > 0 ? (last.machine.busy - first.machine.busy) / total : Number.NaN,
      machineSteal: total > 0 ? (last.machine.steal - first.machine.steal) / total : Number.NaN,
      cores: mapRoles((r) => (wallS > 0 ? roleTicks[r] / CLK_TCK / wallS : 0)),
    };
  }

  return { sample, account };
}

/**
 * Starts accounting now (a first sample, synchronously) and samples every `intervalMs` (1 s) until `stop`, which
 * takes a last sample and returns the account. The timer does not keep the process alive. Never throws for lack of
 * /proc: the account then says it measured nothing.
 */
export function startCpuAccount(opts: CpuSamplerOptions & { intervalMs?: number }): { stop(): CpuAccount } {
  const sampler = createCpuSampler(opts);
  sampler.sample();
  const timer = setInterval(() => sampler.sample(), opts.intervalMs ?? 1000);
  timer.unref();
  let result: CpuAccount | undefined;
  return {
    stop() {
      if (result === undefined) {
        clearInterval(timer);
        sampler.sample();
        result = sampler.account();
      }
      return result;
    },
  };
}

/** /proc/stat's machine-wide ticks now (total, busy, stolen); undefined where it is not readable. */
export function readMachineTimes(procDir = '/proc'): MachineTimes | undefined {
  return readMachine(procDir)?.times;
}

/** The share of the busy time between two readings that was stolen (0..1); NaN where either is missing or none. */
export function stealOfBusy(before: MachineTimes | undefined, after: MachineTimes | undefined): number {
  if (!before || !after) return Number.NaN;
  const busy = after.busy - before.busy;
  return busy > 0 ? (after.steal - before.steal) / busy : Number.NaN;
}

/**
 * `cpu  machine 96 % busy of 2 cores · engine 1.07 · kafka 0.46 · harness 0.21 cores` (roles at 0.00 left out),
 * with `(12 % stolen)` after the busy share when the hypervisor took at least 1 %.
 */
export function formatCpuAccount(a: CpuAccount): string {
  // NaN is null once a summary went through JSON.
  if (!Number.isFinite(a.cores.engine)) return 'cpu  unknown: /proc is not readable here';
  if (!Number.isFinite(a.machineBusy))
    return 'cpu  unknown: no time passed between the first and the last sample';
  const cores = roleCores(a).join(' · ');
  const of = `${a.cpus} core${a.cpus === 1 ? '' : 's'}`;
  return `cpu  machine ${Math.round(a.machineBusy * 100)} % busy${stealText(a)} of ${of} · ${cores} cores`;
}

/**
 * From this share of the machine busy over the load on, a run's processes surely waited for a core. ack-tree on
 * 2 cores, 15 s proxied runs (2026-12-05): 50/s 69 % busy, p99 51 ms; 100/s 93 %, 120 ms; 400/s 100 %, 597 ms;
 * 800/s 100 %, 4.5 s. Waiting starts below this share (93 % already doubled the p99): the note is for the runs
 * where it cannot be doubted, not a line between waiting and none.
 */
export const SATURATED_BUSY = 0.95;

/**
 * A run's note when the machine was saturated over its load (`SATURATED_BUSY`): its latencies and recovery times
 * include waiting for a core, and say what this machine does at this rate, not what the engine needs. Undefined
 * otherwise, or without a measured account.
 */
export function saturationNote(a: CpuAccount): string | undefined {
  if (!Number.isFinite(a.machineBusy) || a.machineBusy < SATURATED_BUSY) return undefined;
  const roles = roleCores(a, ['other']).join(', ');
  return (
    `the machine was ${Math.round(a.machineBusy * 100)} % busy${stealText(a)} over the load (${roles} of ${a.cpus} cores): ` +
    'processes waited for a core, so latencies and recovery times include that wait (a lower rate, or more cores, shows what the engine needs)'
  );
}

/** `engine 1.14`, `kafka 0.26`, …: the engine always, every other role (but those left out) that is not 0.00. */
function roleCores(a: CpuAccount, leftOut: readonly CpuRole[] = []): string[] {
  return CPU_ROLES.filter(
    (r) => !leftOut.includes(r) && (r === 'engine' || a.cores[r].toFixed(2) !== '0.00'),
  ).map((r) => `${r} ${a.cores[r].toFixed(2)}`);
}

/** ` (12 % stolen)`: the hypervisor's share of the machine's CPU time, when it rounds to 1 % or more. */
export function stealText(a: Pick<CpuAccount, 'machineSteal'>): string {
  const steal = a.machineSteal;
  return typeof steal === 'number' && Number.isFinite(steal) && Math.round(steal * 100) >= 1
    ? ` (${Math.round(steal * 100)} % stolen)`
    : '';
}

function classify(
  procDir: string,
  pid: number,
  procs: ReadonlyMap<number, ProcSample>,
  engines: ReadonlySet<number>,
  harnessPid: number,
): CpuRole {
  const service = serviceOf(readCmdline(procDir, pid));
  if (service !== undefined) return service;
  let inHarness = false;
  let p: number | undefined = pid;
  for (let hops = 0; p !== undefined && hops < MAX_ANCESTORS; hops++) {
    if (engines.has(p)) return 'engine';
    if (p === harnessPid) inHarness = true;
    if (p <= 1) break; // init (in a container, the harness may be pid 1 itself: checked above)
    p = procs.get(p)?.ppid;
  }
  return inHarness ? 'harness' : 'other';
}

function serviceOf(args: readonly string[]): 'kafka' | 'toxiproxy' | 'redis' | undefined {
  if (args.some((a) => KAFKA_MAIN.test(a))) return 'kafka';
  // A process may rewrite its title into argv[0] (redis-server does, unless told not to): its first word.
  const exe = basename(args[0]?.split(' ')[0] ?? '');
  if (exe.startsWith('toxiproxy')) return 'toxiproxy';
  if (exe.startsWith('redis-server')) return 'redis';
  return undefined;
}

/** Every process's counters; a process that exits while being read is left out. */
function readProcs(procDir: string): Map<number, ProcSample> | undefined {
  let names: string[];
  try {
    names = readdirSync(procDir);
  } catch {
    return undefined;
  }
  const procs = new Map<number, ProcSample>();
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const p = parseProcStat(readText(join(procDir, name, 'stat')));
    if (p !== undefined) procs.set(Number(name), p);
  }
  return procs;
}

/**
 * `/proc/<pid>/stat`: `pid (comm) state ppid …`. The command name may hold spaces and ')', so the fields are
 * counted from after the last ')': there field 3 (state) is the first.
 */
function parseProcStat(text: string | undefined): ProcSample | undefined {
  if (text === undefined) return undefined;
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const f = text
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  const field = (n: number) => Number(f[n - 3]);
  const p = { ppid: field(4), ticks: field(14) + field(15), startTicks: field(22) };
  return Number.isFinite(p.ppid) && Number.isFinite(p.ticks) && Number.isFinite(p.startTicks) ? p : undefined;
}

function readCmdline(procDir: string, pid: number): string[] {
  return (readText(join(procDir, String(pid), 'cmdline')) ?? '').split('\0').filter((a) => a !== '');
}

function readUptime(procDir: string): number | undefined {
  const s = Number(readText(join(procDir, 'uptime'))?.split(/\s+/)[0]);
  return Number.isFinite(s) ? s : undefined;
}

/**
 * `/proc/stat`'s `cpu` line: user nice system idle iowait irq softirq steal guest guest_nice, in ticks. Guest time
 * is already inside user and nice, so it is left out of the total; steal (a virtual CPU that wanted to run and was
 * not let) counts as busy.
 */
function readMachine(procDir: string): { times: MachineTimes; cpus: number } | undefined {
  const text = readText(join(procDir, 'stat'));
  if (text === undefined) return undefined;
  const lines = text.split('\n');
  const cpu = lines.find((l) => /^cpu\s/.test(l));
  if (cpu === undefined) return undefined;
  const v = cpu.trim().split(/\s+/).slice(1, 9).map(Number);
  if (v.length < 5 || v.some((n) => !Number.isFinite(n))) return undefined;
  const total = v.reduce((a, b) => a + b, 0);
  const idle = v[3]! + v[4]!;
  return {
    times: { total, busy: total - idle, steal: v[7] ?? 0 },
    cpus: lines.filter((l) => /^cpu\d+\s/.test(l)).length,
  };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function safeEnginePids(enginePids: () => readonly number[]): readonly number[] {
  try {
    return enginePids();
  } catch {
    return []; // a sampler must not take the run down
  }
}

function zeroRoles(): Record<CpuRole, number> {
  return mapRoles(() => 0);
}

function mapRoles(f: (r: CpuRole) => number): Record<CpuRole, number> {
  return Object.fromEntries(CPU_ROLES.map((r) => [r, f(r)])) as Record<CpuRole, number>;
}
