/**
 * The face of infra/ for the layers above: Kafka, Redis and Toxiproxy as local processes (infra/local) or as
 * containers (infra/docker), the engine images, and the docker placement of engine workers.
 */
export { buildImages, IMAGES, missingImages, selectImages } from './docker/images.ts';
export {
  attachComposeServices,
  attachDockerInfra,
  type DockerInfra,
  ensureImages,
  NETWORK_ENV,
  startDockerInfra,
  stopDockerInfra,
} from './docker/services.ts';
export { dockerPlacement } from './docker/workers.ts';
export type { InfraEndpoints, InfraStatus } from './local/index.ts';
export {
  attachInfra,
  controlService,
  infraStatus,
  listOrphans,
  type Orphan,
  startInfra,
  stopInfra,
} from './local/index.ts';
