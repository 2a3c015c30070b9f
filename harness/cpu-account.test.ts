import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CpuAccount,
  createCpuSampler,
  formatCpuAccount,
  readMachineTimes,
  SATURATED_BUSY,
  saturationNote,
  startCpuAccount,
  stealOfBusy,
} from './cpu-account.ts';

interface FakeProcess {
  comm: string;
  ppid: number;
  /** utime, stime. */
  ticks: [number, number];
  /** Ticks after boot. */
  start: number;
  cmdline?: string[];
}

/** A procfs of our own making, rewritten between samples. */
function fakeProc() {
  const dir = mkdtempSync(join(tmpdir(), 'faultline-cpu-account-'));
  mkdirSync(join(dir, 'self'));
  return {
    dir,
    /** /proc/uptime and /proc/stat's `cpu` line: user nice system idle iowait irq softirq steal guest guest_nice. */
    machine(uptimeS: number, cpu: number[]) {
      writeFileSync(join(dir, 'uptime'), `${uptimeS.toFixed(2)} 1234.56\n`);
      const line = cpu.join(' ');
      writeFileSync(
        join(dir, 'stat'),
        `cpu  ${line}\ncpu0 ${line}\ncpu1 ${line}\nintr 12345 0 0\nctxt 999\n`,
      );
    },
    proc(pid: number, p: FakeProcess) {
      mkdirSync(join(dir, String(pid)), { recursive: true });
      // A large cutime/cstime (16, 17): waited-for children's time, which is not this process's.
      const fields = [pid, `(${p.comm})`, 'S', p.ppid, pid, pid, 0, -1, 4194560, 100, 0, 0, 0];
      fields.push(p.ticks[0], p.ticks[1], 9999, 9999, 20, 0, 1, 0, p.start, 1_000_000, 100);
      writeFileSync(join(dir, String(pid), 'stat'), `${fields.join(' ')}\n`);
      writeFileSync(join(dir, String(pid), 'cmdline'), (p.cmdline ?? [p.comm]).map((a) => `${a}\0`).join(''));
    },
    gone(pid: number) {
      rmSync(join(dir, String(pid)), { recursive: true, force: true });
    },
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const HARNESS = 100;
const WORKER = 200;
const kafkaCmd = ['java', '-Xmx512m', '-cp', '/c/kafka/libs/*', 'kafka.Kafka', '/r/kafka.properties'];
const harnessCmd = ['node', 'bin/faultline.js', 'run', '--scenario', 'kafka-restart-toxiproxy-redis-server'];

describe('cpu account', () => {
  it('adds each process’s CPU time to its role, from its command line and its ancestry', () => {
    const proc = fakeProc();
    dirs.push(proc.dir);
    const at = (uptimeS: number, ps: Record<number, FakeProcess>) => {
      for (const [pid, p] of Object.entries(ps)) proc.proc(Number(pid), p);
      proc.machine(uptimeS, uptimeS === 1000 ? [1000, 0, 500, 8000, 500, 0, 0, 0, 0, 0] : cpuLater);
    };
    // Over the window 640 busy of 800 ticks, 40 of them stolen (guest time is inside user already: left out of the
    // total).
    const cpuLater = [1500, 0, 600, 8120, 540, 0, 0, 40, 50, 0];
    const harness = (ticks: [number, number]) => ({
      comm: 'node',
      ppid: 1,
      ticks,
      start: 5000,
      cmdline: harnessCmd,
    });
    const docker = (ticks: [number, number]) => ({ comm: 'docker', ppid: HARNESS, ticks, start: 6000 });
    const worker = (ticks: [number, number]) => ({ comm: 'node', ppid: HARNESS, ticks, start: 7000 });
    // The worker's child (tsx's esbuild service), with a command name that would fool a naive parse.
    const esbuild = (ticks: [number, number]) => ({ comm: 'es) b (ui d', ppid: WORKER, ticks, start: 7100 });
    const kafka = (ticks: [number, number]) => ({
      comm: 'java',
      ppid: HARNESS,
      ticks,
      start: 5500,
      cmdline: kafkaCmd,
    });
    const toxiproxy = (ticks: [number, number]) => ({
      comm: 'toxiproxy-serve',
      ppid: HARNESS,
      ticks,
      start: 5600,
      cmdline: ['/c/bin/toxiproxy-server-2.12.0', '-host', '127.0.0.1', '-port', '8474'],
    });
    // Redis rewrites its title into one argument with spaces.
    const redis = (ticks: [number, number]) => ({
      comm: 'redis-server',
      ppid: 1,
      ticks,
      start: 4000,
      cmdline: ['/usr/bin/redis-server *:6379'],
    });

    at(1000, {
      1: { comm: 'systemd', ppid: 0, ticks: [50, 50], start: 1 },
      2: { comm: 'kthreadd', ppid: 0, ticks: [0, 10], start: 1, cmdline: [] },
      [HARNESS]: harness([1000, 200]),
      150: docker([10, 0]),
      [WORKER]: worker([500, 100]),
      201: esbuild([20, 20]),
      300: kafka([3000, 500]),
      400: toxiproxy([100, 100]),
      500: redis([40, 40]),
      700: { comm: 'short', ppid: 1, ticks: [300, 200], start: 8000 },
    });
    mkdirSync(join(proc.dir, '999')); // exited while listed: no stat
    const sampler = createCpuSampler({ procDir: proc.dir, harnessPid: HARNESS, enginePids: () => [WORKER] });
    sampler.sample();

    proc.gone(700); // exits: its time since the last sample is lost, and nothing throws
    at(1002, {
      [HARNESS]: harness([1030, 210]),
      150: docker([30, 0]),
      [WORKER]: worker([580, 120]),
      201: esbuild([50, 30]),
      300: kafka([3050, 510]),
      400: toxiproxy([105, 103]),
      500: redis([42, 42]),
      // Started inside the window (after tick 100 000): all of its time counts.
      800: { comm: 'new', ppid: 1, ticks: [30, 10], start: 100_050 },
      // Older, first seen now: counts from here on.
      900: { comm: 'old', ppid: 1, ticks: [900, 100], start: 50_000 },
    });
    sampler.sample();

    at(1004, {
      [HARNESS]: harness([1060, 220]),
      [WORKER]: worker([660, 140]),
      201: esbuild([80, 40]),
      300: kafka([3100, 520]),
      400: toxiproxy([112, 108]),
      500: redis([44, 44]),
      // Pid 700 reused by a process started inside the window.
      700: { comm: 'reused', ppid: 1, ticks: [20, 4], start: 100_300 },
      800: { comm: 'new', ppid: 1, ticks: [40, 20], start: 100_050 },
      900: { comm: 'old', ppid: 1, ticks: [910, 106], start: 50_000 },
    });
    sampler.sample();

    const a = sampler.account();
    expect(a.wallS).toBeCloseTo(4, 9);
    expect(a.cpus).toBe(2);
    expect(a.machineBusy).toBeCloseTo(0.8, 9);
    expect(a.machineSteal).toBeCloseTo(0.05, 9);
    // Ticks over 4 s: engine 200 + 80, harness 80 + 20, kafka 120, toxiproxy 20, redis 8, other 40 + 20 + 16 + 24.
    const expected = { engine: 0.7, harness: 0.25, kafka: 0.3, toxiproxy: 0.05, redis: 0.02, other: 0.25 };
    for (const [role, cores] of Object.entries(expected)) {
      expect(a.cores[role as keyof CpuAccount['cores']], role).toBeCloseTo(cores, 9);
    }
    expect(formatCpuAccount(a)).toBe(
      'cpu  machine 80 % busy (5 % stolen) of 2 cores · engine 0.70 · kafka 0.30 · toxiproxy 0.05 · redis 0.02 · ' +
        'harness 0.25 · other 0.25 cores',
    );
  });

  it('formats roles with two decimals, leaving out the idle ones but the engine', () => {
    const cores = { engine: 1.07, kafka: 0.46, toxiproxy: 0.18, redis: 0.02, harness: 0.21, other: 0.05 };
    const a: CpuAccount = { wallS: 60, cpus: 2, machineBusy: 0.9612, cores };
    expect(formatCpuAccount(a)).toBe(
      'cpu  machine 96 % busy of 2 cores · engine 1.07 · kafka 0.46 · toxiproxy 0.18 · redis 0.02 · ' +
        'harness 0.21 · other 0.05 cores',
    );
    const idle = { engine: 0, kafka: 0.004, toxiproxy: 0, redis: 0, harness: 0.1, other: 0 };
    expect(formatCpuAccount({ wallS: 60, cpus: 1, machineBusy: 0.1, cores: idle })).toBe(
      'cpu  machine 10 % busy of 1 core · engine 0.00 · harness 0.10 cores',
    );
  });

  it('notes a run whose machine was saturated over the load, naming where the CPU went; nothing below that', () => {
    const cores = { engine: 1.14, kafka: 0.26, toxiproxy: 0.21, redis: 0.03, harness: 0.33, other: 0.01 };
    const a: CpuAccount = { wallS: 34, cpus: 2, machineBusy: 0.991, machineSteal: 0.001, cores };
    expect(saturationNote(a)).toBe(
      'the machine was 99 % busy over the load (engine 1.14, kafka 0.26, toxiproxy 0.21, redis 0.03, harness 0.33 of 2 cores): processes waited for a core, so latencies and recovery times include that wait (a lower rate, or more cores, shows what the engine needs)',
    );
    expect(saturationNote({ ...a, machineBusy: SATURATED_BUSY, machineSteal: 0.12 })).toMatch(
      /^the machine was 95 % busy \(12 % stolen\) over the load \(engine 1\.14, /,
    );
    expect(saturationNote({ ...a, machineBusy: 0.93 })).toBeUndefined();
    // Nothing measured (no /proc): no claim either way.
    expect(saturationNote({ ...a, machineBusy: Number.NaN })).toBeUndefined();
  });

  it('reads the share of the busy time stolen between two readings of /proc/stat; NaN where it cannot', () => {
    const proc = fakeProc();
    dirs.push(proc.dir);
    proc.machine(100, [1000, 0, 500, 8000, 0, 0, 0, 500, 0, 0]);
    const before = readMachineTimes(proc.dir);
    // 200 ticks pass: 100 user, 50 idle, 50 stolen: a quarter of the time, a third of the busy time.
    proc.machine(101, [1100, 0, 500, 8050, 0, 0, 0, 550, 0, 0]);
    const after = readMachineTimes(proc.dir);
    expect(after).toEqual({ total: 10_200, busy: 2150, steal: 550 });
    expect(stealOfBusy(before, after)).toBeCloseTo(1 / 3, 6);
    expect(stealOfBusy(after, after)).toBeNaN(); // nothing busy between them
    expect(stealOfBusy(before, readMachineTimes(join(tmpdir(), 'faultline-no-proc-here')))).toBeNaN();
  });

  it('says it measured nothing where /proc is not readable, and does not throw', () => {
    const missing = join(tmpdir(), 'faultline-no-proc-here');
    const a = startCpuAccount({ procDir: missing, enginePids: () => [] }).stop();
    expect(a.cpus).toBe(availableParallelism());
    expect(a.machineBusy).toBeNaN();
    expect(a.cores.engine).toBeNaN();
    expect(formatCpuAccount(a)).toBe('cpu  unknown: /proc is not readable here');
  });

  it.runIf(process.platform === 'linux')('measures a spinning engine worker on the real /proc', async () => {
    const spinner = spawn(process.execPath, ['-e', 'const t = Date.now() + 1500; while (Date.now() < t);'], {
      stdio: 'ignore',
    });
    try {
      const pid = spinner.pid!;
      const account = startCpuAccount({ enginePids: () => [pid], intervalMs: 100 });
      // Stopped while it still spins: a process that exits before the last sample loses its latest ticks.
      await new Promise((r) => setTimeout(r, 800));
      const a = account.stop();
      expect(a.wallS).toBeGreaterThan(0.5);
      expect(a.cores.engine).toBeGreaterThan(0.3);
      expect(a.machineBusy).toBeGreaterThan(0);
      expect(a.machineBusy).toBeLessThanOrEqual(1);
      expect(a.machineSteal).toBeGreaterThanOrEqual(0);
      expect(a.machineSteal).toBeLessThanOrEqual(a.machineBusy);
      expect(account.stop()).toBe(a);
      expect(formatCpuAccount(a)).toMatch(
        /^cpu {2}machine \d+ % busy( \(\d+ % stolen\))? of \d+ cores? · engine \d\.\d\d/,
      );
    } finally {
      spinner.kill();
    }
  });
});
