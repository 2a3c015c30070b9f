/** What the docker suites share: whether there is a Docker engine here, and their own instance of the services. */
import { terminalProgress } from '../cli/progress-reporter.ts';
import { buildImages, missingImages } from '../infra/docker/images.ts';
import { type DockerInfra, dockerClient, startDockerInfra } from '../infra/docker/services.ts';

/** Why there is no Docker engine here, or undefined when there is one (a docker suite is skipped, saying why). */
export const dockerUnavailable = (): Promise<string | undefined> =>
  dockerClient().then(
    () => undefined,
    (e: Error) => e.message,
  );

/** A docker instance of the services for a suite: images built (offline) when missing; stop it in afterAll. */
export async function startTestDockerInfra(name: string): Promise<DockerInfra> {
  const progress = terminalProgress();
  if ((await missingImages()).length > 0) await buildImages({ offline: true, progress });
  return startDockerInfra({ name, progress });
}
