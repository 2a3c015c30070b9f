export type {
  InfraEndpoints,
  InfraStatus,
  ServiceHealth,
  StartedInfra,
  StartInfraOptions,
} from './instance.ts';
export {
  attachInfra,
  controlService,
  infraStatus,
  listOrphans,
  type Orphan,
  startInfra,
  stopInfra,
  sweepOrphans,
} from './instance.ts';
export { KAFKA_VERSION, provision, TOXIPROXY_VERSION } from './provision.ts';
