/**
 * The fault catalogue. Each kind says what it targets, whether it needs a duration, how its parameters are
 * validated, and how it is injected and healed. Faults are plain data (`FaultSpec`); kinds are functions.
 */
import { BadInputError } from '../core/errors.ts';
import type { FaultSpec } from '../core/types.ts';
import type { ProcessControl } from '../engines/types.ts';
import { matchLinks, SERVICES, type TargetResolver } from './targets.ts';
import { addToxics, partition, type Stream, type ToxicSpec } from './toxics.ts';

export type Heal = () => Promise<void>;

export interface FaultKind {
  description: string;
  targets: 'process' | 'link' | 'service';
  needsDuration: boolean;
  /** Parameters with their defaults; unknown parameters are refused. */
  params: Record<string, number | string>;
  inject(fault: FaultSpec, resolver: TargetResolver): Promise<Heal | undefined>;
}

const STREAM_PARAMS = { stream: 'downstream', toxicity: 1 } as const;

function toxicKind(
  type: ToxicSpec['type'],
  description: string,
  attributes: Record<string, number>,
): FaultKind {
  return {
    description,
    targets: 'link',
    needsDuration: true,
    params: { ...STREAM_PARAMS, ...attributes },
    async inject(f, r) {
      const p = withDefaults(this.params, f.params);
      const links = matchedLinks(f, r);
      const attrs = Object.fromEntries(Object.keys(attributes).map((k) => [k, Number(p[k])]));
      return addToxics(
        r.toxiproxyApi,
        links.map((l) => r.links()[l]!),
        { type, stream: p.stream as Stream, toxicity: Number(p.toxicity), attributes: attrs },
        `fl-${type}-${Math.round(f.at * 1000)}`,
      );
    },
  };
}

export const FAULT_KINDS: Record<string, FaultKind> = {
  kill: {
    description:
      'SIGKILL a process, or `docker kill` its container (worker or coordinator); the engine supervises its return',
    targets: 'process',
    needsDuration: false,
    params: {},
    async inject(f, r) {
      await runningControl(f, r).kill();
      return undefined;
    },
  },
  pause: {
    description:
      'SIGSTOP a process (`docker pause` a container) for `for` seconds, then resume it (a hung worker)',
    targets: 'process',
    needsDuration: true,
    params: {},
    async inject(f, r) {
      const target = runningControl(f, r);
      await target.pause();
      return async () => target.resume();
    },
  },
  disconnect: {
    description:
      'disconnect a container from the network for `for` seconds (a partitioned host; --provider docker)',
    targets: 'process',
    needsDuration: true,
    params: {},
    async inject(f, r) {
      const target = runningControl(f, r);
      if (!target.disconnect) throw new Error(`${f.target} cannot be disconnected (not a container)`);
      return target.disconnect();
    },
  },
  latency: toxicKind('latency', 'add latency (ms) with jitter (ms) to a link', { latency: 100, jitter: 0 }),
  bandwidth: toxicKind('bandwidth', 'limit a link to `rate` KB/s', { rate: 100 }),
  timeout: toxicKind(
    'timeout',
    'black-hole a link: data is dropped, the connection closes after `timeout` ms (0: never)',
    { timeout: 0 },
  ),
  reset_peer: toxicKind('reset_peer', 'reset connections (TCP RST) after `timeout` ms', { timeout: 0 }),
  slicer: toxicKind('slicer', 'slice data into small packets with delays (µs)', {
    average_size: 64,
    size_variation: 32,
    delay: 100,
  }),
  limit_data: toxicKind('limit_data', 'close connections after `bytes` bytes', { bytes: 65536 }),
  slow_close: toxicKind('slow_close', 'delay closing connections by `delay` ms', { delay: 1000 }),
  partition: {
    description: 'cut a link: its proxy is disabled (connections dropped and refused) for `for` seconds',
    targets: 'link',
    needsDuration: true,
    params: {},
    async inject(f, r) {
      const links = matchedLinks(f, r);
      return partition(
        r.toxiproxyApi,
        links.map((l) => r.links()[l]!),
      );
    },
  },
  'redis-outage': serviceFault(
    'redis',
    'pause',
    'Redis stops answering (SIGSTOP, or docker pause) for `for` seconds, state intact',
  ),
  'redis-restart': serviceFault(
    'redis',
    'stop',
    'Redis is stopped and started again after `for` seconds (non-persistent: state lost)',
  ),
  'kafka-restart': serviceFault(
    'kafka',
    'stop',
    'the Kafka broker is stopped and started again after `for` seconds',
  ),
};

/**
 * A process fault whose target has no running incarnation when it is due (it is being restarted after an
 * earlier fault): the fault cannot happen. The nemesis skips it — never recorded as a fault — and the run is
 * judged on the faults that did happen (a random schedule with overlapping faults meets this often).
 */
export class TargetNotRunningError extends Error {
  constructor(kind: string, target: string) {
    super(`${kind} ${target}: the target is not running at injection time (being restarted)`);
    this.name = 'TargetNotRunningError';
  }
}

/** The target's current incarnation; throws TargetNotRunningError when none runs. */
function runningControl(f: FaultSpec, r: TargetResolver): ProcessControl {
  const control = r.controls()[f.target];
  if (!control) throw new TargetNotRunningError(f.kind, f.target);
  return control;
}

/** The links the target names now; throws when there are none (nothing would be injected). */
function matchedLinks(f: FaultSpec, r: TargetResolver): string[] {
  const links = matchLinks(f.target, Object.keys(r.links()));
  if (links.length === 0) throw new Error(`${f.kind} ${f.target}: no link matches at injection time`);
  return links;
}

function serviceFault(
  service: (typeof SERVICES)[number],
  how: 'pause' | 'stop',
  description: string,
): FaultKind {
  return {
    description,
    targets: 'service',
    needsDuration: true,
    params: {},
    async inject(f, r) {
      if (f.target !== service) throw new BadInputError(`${f.kind} targets ${service}, not ${f.target}`);
      const control = r.services;
      if (!control) throw new Error(`${f.kind}: services were not started by faultline`);
      await control(service, how);
      return () => control(service, how === 'pause' ? 'resume' : 'start');
    },
  };
}

export function faultKindNames(): string[] {
  return Object.keys(FAULT_KINDS);
}

/** Checks kinds, durations, parameters and targets before the run starts; throws BadInputError naming the fault. */
export function validateFaults(faults: readonly FaultSpec[], resolver: TargetResolver): void {
  validateFaultKinds(faults);
  faults.forEach((f, i) => {
    const where = `faults[${i}] (${f.kind} ${f.target})`;
    const problem = targetProblem(FAULT_KINDS[f.kind]!, f.target, resolver);
    if (problem) throw new BadInputError(`${where}: ${problem}`, { code: 'BAD_SCENARIO' });
  });
}

/** What can be checked without a deployment: kinds, durations and parameters. */
export function validateFaultKinds(faults: readonly FaultSpec[]): void {
  faults.forEach((f, i) => {
    const where = `faults[${i}] (${f.kind} ${f.target})`;
    const kind = FAULT_KINDS[f.kind];
    if (!kind) {
      throw new BadInputError(`${where}: unknown fault kind "${f.kind}"`, {
        code: 'BAD_SCENARIO',
        fix: `use one of: ${faultKindNames().join(', ')}`,
      });
    }
    if (kind.needsDuration && !(f.for && f.for > 0)) {
      throw new BadInputError(`${where}: a ${f.kind} fault needs a duration ("for: 10s")`, {
        code: 'BAD_SCENARIO',
      });
    }
    for (const key of Object.keys(f.params)) {
      if (!(key in kind.params)) {
        throw new BadInputError(`${where}: unknown parameter "${key}"`, {
          code: 'BAD_SCENARIO',
          fix: Object.keys(kind.params).length
            ? `${f.kind} takes: ${Object.keys(kind.params).join(', ')}`
            : `${f.kind} takes no parameters`,
        });
      }
    }
    const p = withDefaults(kind.params, f.params);
    if ('stream' in p && !['upstream', 'downstream', 'both'].includes(String(p.stream))) {
      throw new BadInputError(`${where}: stream must be upstream, downstream or both`, {
        code: 'BAD_SCENARIO',
      });
    }
    if ('toxicity' in p && !(Number(p.toxicity) >= 0 && Number(p.toxicity) <= 1)) {
      throw new BadInputError(`${where}: toxicity must be between 0 and 1`, { code: 'BAD_SCENARIO' });
    }
  });
}

function targetProblem(kind: FaultKind, target: string, r: TargetResolver): string | undefined {
  if (kind.targets === 'process') {
    const known = Object.keys(r.processes());
    if (!known.includes(target)) return `unknown target "${target}" (known: ${known.join(', ')})`;
    if (kind === FAULT_KINDS.disconnect && !r.controls()[target]?.disconnect)
      return 'disconnect cuts a container off its network: run with --provider docker';
    return undefined;
  }
  if (kind.targets === 'link') {
    const links = Object.keys(r.links());
    if (links.length === 0) return 'this deployment has no proxied links (run with proxied: true)';
    return matchLinks(target, links).length > 0
      ? undefined
      : `no link matches "${target}" (e.g. ${links.slice(0, 3).join(', ')}, link:*->redis)`;
  }
  if (!SERVICES.includes(target as (typeof SERVICES)[number]))
    return `unknown service "${target}" (known: ${SERVICES.join(', ')})`;
  if (!r.services) return 'service faults need services started by faultline (infra up, or a run of its own)';
  return undefined;
}

function withDefaults(
  defaults: Record<string, number | string>,
  given: Record<string, unknown>,
): Record<string, number | string> {
  return { ...defaults, ...(given as Record<string, number | string>) };
}
