/**
 * One H2O-3 server on loopback for the length of a training: started by faultline from the cached jars,
 * ready when GET /3/Cloud answers with a healthy cloud of one node, stopped in a `finally` (or by
 * `await using`). Its name carries the owner's pid, so a server left by a killed `model train` is swept at the
 * next start, whoever starts it.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, LOOPBACK } from '../../clients/ports.ts';
import { ServiceFailedError } from '../../core/errors.ts';
import { noProgress, type ProgressSink, timed } from '../../core/progress.ts';
import { isAlive, stopProcess, tailFile } from '../local/processes.ts';
import { createH2oClient, type H2oClient } from './client.ts';
import { ensureH2oServer, H2O_VERSION } from './provision.ts';

const READY_TIMEOUT_MS = 120_000;
const NAME_PREFIX = 'faultline-h2o-';
/** Java 17 closes these to reflection; H2O's serialisation (water.Iced$Icer) needs them. */
const ADD_OPENS = ['java.base/java.lang', 'java.base/java.util', 'java.base/java.lang.reflect'];

export interface H2oServer extends AsyncDisposable {
  url: string;
  version: string;
  client: H2oClient;
  /** A folder H2O reads files from and that is removed with the server. */
  workDir: string;
  pid: number;
  stop(): Promise<void>;
}

export interface StartH2oOptions {
  progress?: ProgressSink;
  /** Java heap, e.g. "2g". */
  memory?: string;
}

export async function startH2o(opts: StartH2oOptions = {}): Promise<H2oServer> {
  const progress = opts.progress ?? noProgress;
  await sweepH2o(progress);
  const program = await ensureH2oServer(progress);
  const port = await freePort();
  const workDir = mkdtempSync(join(tmpdir(), `${NAME_PREFIX}${process.pid}-`));
  const logFile = join(workDir, 'h2o.log');
  const name = `${NAME_PREFIX}${process.pid}-${port}`;
  const args = [
    `-Xmx${opts.memory ?? '2g'}`,
    ...ADD_OPENS.flatMap((m) => ['--add-opens', `${m}=ALL-UNNAMED`]),
    '-cp',
    program.classpath,
    program.mainClass,
    '-name',
    name,
    '-ip',
    LOOPBACK,
    '-port',
    String(port),
    '-nthreads',
    '2',
    '-disable_flow',
    '-log_dir',
    workDir,
  ];
  const fd = openSync(logFile, 'a');
  const child = spawn(program.java, args, { cwd: workDir, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new ServiceFailedError('h2o', `could not start ${program.java}`);
  // If this process exits without a stop (an exception past the finally, a signal), the server goes with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const url = `http://${LOOPBACK}:${port}`;
  const client = createH2oClient(url);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    await timed(progress, 'Stopping H2O', () => stopProcess(pid, name, 10_000));
    rmSync(workDir, { recursive: true, force: true });
  };
  try {
    const version = await timed(progress, `Starting H2O ${H2O_VERSION} on ${url}`, async () => {
      const deadline = Date.now() + READY_TIMEOUT_MS;
      for (;;) {
        if (child.exitCode !== null || !isAlive(pid)) {
          throw new ServiceFailedError('h2o', `exited while starting\n${await tailFile(logFile)}`);
        }
        try {
          const cloud = (await (await fetch(`${url}/3/Cloud`)).json()) as {
            version: string;
            cloud_healthy: boolean;
            cloud_size: number;
          };
          if (cloud.cloud_healthy && cloud.cloud_size === 1) return cloud.version;
        } catch {
          // not listening yet
        }
        if (Date.now() > deadline) {
          throw new ServiceFailedError(
            'h2o',
            `not ready after ${READY_TIMEOUT_MS} ms\n${await tailFile(logFile)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    });
    return { url, version, client, workDir, pid, stop, [Symbol.asyncDispose]: stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Stops H2O servers whose owning process is gone (a killed `model train` or test). */
export async function sweepH2o(progress: ProgressSink = noProgress): Promise<number[]> {
  const swept: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    const match = new RegExp(`-name (${NAME_PREFIX}(\\d+)-\\d+) `).exec(cmdline);
    if (!match || isAlive(Number(match[2]))) continue;
    progress({ message: `stopping a leftover H2O server (owner ${match[2]} is gone)`, state: 'info' });
    await stopProcess(Number(entry), match[1]!, 5_000);
    swept.push(Number(entry));
  }
  return swept;
}
