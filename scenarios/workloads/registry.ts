/**
 * The workloads faultline knows, by name, and where their trained models live. Scenarios name a workload;
 * the harness, the CLI and the engines' workers look it up here.
 */
import { fileURLToPath } from 'node:url';
import { BadInputError } from '../../core/errors.ts';
import type { Workload } from '../../core/workload.ts';
import { titanic } from './titanic.ts';
import { transactions } from './transactions.ts';

/**
 * A workload as registered: the core contract plus the version of its features' meaning, which a trained
 * model records and `loadModel` checks (bump it whenever a feature or its preprocessing changes meaning).
 */
export type RegisteredWorkload = Workload<unknown, unknown, unknown> & { featureVersion: number };

export const DEFAULT_WORKLOAD = 'transactions';

export const workloads: Readonly<Record<string, RegisteredWorkload>> = {
  transactions: transactions,
  titanic: titanic,
};

export function workloadNames(): string[] {
  return Object.keys(workloads);
}

export function getWorkload(name: string): RegisteredWorkload {
  const workload = Object.hasOwn(workloads, name) ? workloads[name] : undefined;
  if (!workload) {
    throw new BadInputError(`unknown workload ${JSON.stringify(name)}`, {
      code: 'UNKNOWN_WORKLOAD',
      fix: `use one of: ${workloadNames().join(', ')}`,
    });
  }
  return workload;
}

/** Where `faultline model train` writes a workload's model and where runs read it from by default. */
export function defaultModelPath(name: string): string {
  return fileURLToPath(new URL(`./models/${name}.model.json`, import.meta.url));
}
