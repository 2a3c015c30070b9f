/**
 * H2O-3's REST API (v3), the few calls faultline trains with: import a CSV file the server can read, train a
 * GLM or a GBM, predict on a frame, read a model's coefficients and download a frame or a MOJO. Every call is
 * plain `fetch` on loopback; a failed call is a ServiceFailedError carrying H2O's own message.
 */
import { ServiceFailedError } from '../../core/errors.ts';

export type H2oParams = Record<string, string | number | boolean | readonly string[]>;

interface JobV3 {
  key: { name: string };
  dest?: { name: string };
  status: string;
  progress: number;
  exception?: string | null;
  stacktrace?: string | null;
}

export interface H2oClient {
  url: string;
  version(): Promise<string>;
  /** Imports and parses a CSV file on the server's disk; columns in `enums` become categorical. */
  importCsv(path: string, frame: string, enums: readonly string[]): Promise<string>;
  /** Trains a model (algo "glm" or "gbm"), waits for it, returns its key. */
  train(algo: 'glm' | 'gbm', modelId: string, params: H2oParams): Promise<string>;
  model(modelId: string): Promise<Record<string, unknown>>;
  /** Predicts on a frame; the result frame holds `predict`, `p0`, `p1`. */
  predict(modelId: string, frame: string, destination: string): Promise<string>;
  /** A frame as CSV, as H2O writes it. */
  downloadCsv(frame: string): Promise<string>;
  /** The model's MOJO (a zip). A release that refuses the export answers with an error: H2oCallError. */
  mojo(modelId: string): Promise<Buffer>;
  /** The model's POJO (Java source). */
  pojo(modelId: string): Promise<Buffer>;
}

export class H2oCallError extends ServiceFailedError {
  readonly status: number;
  readonly h2oMessage: string;
  constructor(call: string, status: number, h2oMessage: string) {
    super('h2o', `${call} failed (HTTP ${status}): ${h2oMessage}`);
    this.status = status;
    this.h2oMessage = h2oMessage;
  }
}

export function createH2oClient(url: string, opts: { pollMs?: number } = {}): H2oClient {
  const pollMs = opts.pollMs ?? 100;

  async function call(method: 'GET' | 'POST', path: string, params?: H2oParams): Promise<Response> {
    const body = params === undefined ? undefined : encode(params);
    const response = await fetch(`${url}${path}`, {
      method,
      body,
      headers: body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' },
    });
    if (!response.ok) {
      const text = await response.text();
      throw new H2oCallError(`${method} ${path}`, response.status, errorMessage(text));
    }
    return response;
  }
  const json = async <T>(method: 'GET' | 'POST', path: string, params?: H2oParams): Promise<T> =>
    (await (await call(method, path, params)).json()) as T;

  async function waitJob(job: JobV3, what: string): Promise<JobV3> {
    let current = job;
    for (;;) {
      if (current.status === 'DONE') return current;
      if (current.status === 'FAILED' || current.status === 'CANCELLED') {
        throw new ServiceFailedError('h2o', `${what}: job ${current.status}: ${current.exception ?? ''}`);
      }
      await new Promise((r) => setTimeout(r, pollMs));
      const { jobs } = await json<{ jobs: JobV3[] }>(
        'GET',
        `/3/Jobs/${encodeURIComponent(current.key.name)}`,
      );
      current = jobs[0]!;
    }
  }

  return {
    url,
    async version() {
      return (await json<{ version: string }>('GET', '/3/Cloud')).version;
    },
    async importCsv(path, frame, enums) {
      const imported = await json<{ destination_frames: string[]; fails: string[] }>(
        'GET',
        `/3/ImportFiles?path=${encodeURIComponent(path)}`,
      );
      if (imported.destination_frames.length !== 1) {
        throw new ServiceFailedError('h2o', `importing ${path} failed: ${imported.fails.join(', ')}`);
      }
      const sources = imported.destination_frames;
      const setup = await json<{
        column_names: string[];
        column_types: string[];
        separator: number;
        number_columns: number;
        parse_type: string;
        chunk_size: number;
        check_header: number;
        single_quotes: boolean;
      }>('POST', '/3/ParseSetup', { source_frames: sources, check_header: 1 });
      const types = setup.column_names.map((name, i) =>
        enums.includes(name) ? 'Enum' : setup.column_types[i]!,
      );
      const { job } = await json<{ job: JobV3 }>('POST', '/3/Parse', {
        destination_frame: frame,
        source_frames: sources,
        parse_type: setup.parse_type,
        separator: setup.separator,
        number_columns: setup.number_columns,
        single_quotes: setup.single_quotes,
        column_names: setup.column_names,
        column_types: types,
        check_header: setup.check_header,
        chunk_size: setup.chunk_size,
        delete_on_done: true,
        blocking: false,
      });
      await waitJob(job, `parsing ${path}`);
      return frame;
    },
    async train(algo, modelId, params) {
      const { job } = await json<{ job: JobV3 }>('POST', `/3/ModelBuilders/${algo}`, {
        model_id: modelId,
        ...params,
      });
      const done = await waitJob(job, `training ${algo}`);
      return done.dest?.name ?? modelId;
    },
    async model(modelId) {
      const { models } = await json<{ models: Record<string, unknown>[] }>(
        'GET',
        `/3/Models/${encodeURIComponent(modelId)}`,
      );
      return models[0]!;
    },
    async predict(modelId, frame, destination) {
      await json(
        'POST',
        `/3/Predictions/models/${encodeURIComponent(modelId)}/frames/${encodeURIComponent(frame)}`,
        { predictions_frame: destination },
      );
      return destination;
    },
    async downloadCsv(frame) {
      const r = await call(
        'GET',
        `/3/DownloadDataset?frame_id=${encodeURIComponent(frame)}&hex_string=false`,
      );
      return r.text();
    },
    async mojo(modelId) {
      const r = await call('GET', `/3/Models/${encodeURIComponent(modelId)}/mojo`);
      return Buffer.from(await r.arrayBuffer());
    },
    async pojo(modelId) {
      const r = await call('GET', `/3/Models.java/${encodeURIComponent(modelId)}`);
      return Buffer.from(await r.arrayBuffer());
    },
  };
}

/** H2O takes form fields; lists are written as JSON arrays. */
function encode(params: H2oParams): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    form.set(key, Array.isArray(value) ? JSON.stringify(value) : String(value));
  }
  return form.toString();
}

/** H2O's error schema carries `msg` (and `exception_msg`); fall back to the raw text. */
function errorMessage(text: string): string {
  try {
    const e = JSON.parse(text) as { msg?: string; exception_msg?: string };
    return e.exception_msg || e.msg || text.slice(0, 500);
  } catch {
    return text.slice(0, 500);
  }
}
