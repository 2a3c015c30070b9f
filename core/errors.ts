/**
 * Every error faultline raises on purpose, in one file (the kafkajs habit). Each carries a stable code, the
 * process exit code the CLI maps it to, whether retrying could help, and the cause it wraps.
 *
 * Exit codes (ARCHITECTURE.md): 0 ok, 1 a check failed, 2 bad input, 3 the harness itself failed.
 */
export type ErrorCode =
  | 'BAD_INPUT'
  | 'UNKNOWN_ENGINE'
  | 'UNKNOWN_WORKLOAD'
  | 'UNKNOWN_SCENARIO'
  | 'UNKNOWN_PROVIDER'
  | 'BAD_SCENARIO'
  | 'BAD_MODEL'
  | 'MISSING_TOOL'
  | 'PORT_IN_USE'
  | 'SERVICE_FAILED'
  | 'HARNESS_FAILED'
  | 'INTERNAL'
  | 'CHECK_FAILED'
  | 'TIMEOUT';

export const EXIT = { ok: 0, checkFailed: 1, badInput: 2, harnessFailed: 3 } as const;

export interface FaultlineErrorOptions {
  cause?: unknown;
  retriable?: boolean;
  /** What the user can do about it; printed after the message. */
  fix?: string;
}

export class FaultlineError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly retriable: boolean;
  readonly fix: string | undefined;

  constructor(code: ErrorCode, exitCode: number, message: string, opts: FaultlineErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.retriable = opts.retriable ?? false;
    this.fix = opts.fix;
  }
}

/** The user asked for something that cannot work as given (flag, file, name). Never retriable. */
export class BadInputError extends FaultlineError {
  constructor(message: string, opts: FaultlineErrorOptions & { code?: ErrorCode } = {}) {
    super(opts.code ?? 'BAD_INPUT', EXIT.badInput, message, opts);
  }
}

/** A tool faultline needs (JDK, Maven, Go, redis-server) is missing and cannot be installed for the user. */
export class MissingToolError extends FaultlineError {
  constructor(tool: string, fix: string, cause?: unknown) {
    super('MISSING_TOOL', EXIT.badInput, `${tool} is not available`, { fix, cause });
  }
}

/** A port asked for explicitly is already taken. */
export class PortInUseError extends FaultlineError {
  constructor(service: string, port: number) {
    super('PORT_IN_USE', EXIT.badInput, `port ${port} for ${service} is already in use`, {
      fix: `stop whatever listens on ${port} (ss -ltnp 'sport = :${port}') or choose another port`,
    });
  }
}

/** A service crashed or never became ready; the message carries the tail of its log. */
export class ServiceFailedError extends FaultlineError {
  readonly service: string;
  constructor(service: string, message: string, opts: FaultlineErrorOptions = {}) {
    super('SERVICE_FAILED', EXIT.harnessFailed, `${service}: ${message}`, opts);
    this.service = service;
  }
}

/** The harness could not finish a run for reasons that are not the engine's verdict. */
export class HarnessError extends FaultlineError {
  constructor(message: string, opts: FaultlineErrorOptions = {}) {
    super('HARNESS_FAILED', EXIT.harnessFailed, message, opts);
  }
}

/**
 * faultline's own code used one of its parts wrongly (a closed mesh, a peer without an address, options out of
 * range): a bug to report, not the user's input (BadInputError, exit 2) nor a failed run or service
 * (HarnessError). Exit 3 like every failure of the harness itself. Never retriable.
 */
export class InternalError extends FaultlineError {
  constructor(message: string, opts: FaultlineErrorOptions = {}) {
    super('INTERNAL', EXIT.harnessFailed, message, opts);
  }
}

export class TimeoutError extends FaultlineError {
  constructor(what: string, ms: number, opts: FaultlineErrorOptions = {}) {
    super('TIMEOUT', EXIT.harnessFailed, `${what} did not happen within ${ms} ms`, {
      retriable: true,
      ...opts,
    });
  }
}

export function isFaultlineError(e: unknown): e is FaultlineError {
  return e instanceof FaultlineError;
}

/** Text for a terminal: message, fix, and the chain of causes. */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const lines = [`${e.message}`];
  if (e instanceof FaultlineError && e.fix) lines.push(`  fix: ${e.fix}`);
  let cause = e.cause;
  while (cause instanceof Error) {
    lines.push(`  caused by: ${cause.message}`);
    cause = cause.cause;
  }
  return lines.join('\n');
}
