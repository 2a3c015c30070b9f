/** The default placement: every worker a local OS process on loopback, services where the runner sees them. */
import { LOOPBACK } from '../../clients/ports.ts';
import type { DeployPlan, Placement, ServiceEndpoints, WorkerLauncher } from '../types.ts';
import { localProcesses } from './processes.ts';
import { localLauncher } from './worker-launcher.ts';

export function localPlacement(
  services: ServiceEndpoints,
  launcher: WorkerLauncher = localLauncher,
): Placement {
  return {
    launcher,
    listenHost: LOOPBACK,
    hostOf: () => LOOPBACK,
    proxy: { listenHost: services.toxiproxy.host, clientHost: services.toxiproxy.host },
    kafka: services.kafka,
    redis: services.redis,
    processes: localProcesses,
  };
}

export function placementOf(plan: DeployPlan): Placement {
  return plan.placement ?? localPlacement(plan.services);
}

/** Where the engine's own processes (JVMs) run under this plan's placement: local processes by default. */
export function processesOf(plan: DeployPlan) {
  return placementOf(plan).processes ?? localProcesses;
}
