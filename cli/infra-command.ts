/** `faultline infra up|down|status`: the services on this machine (local provider). */
import { BadInputError } from '../core/index.ts';
import type { InfraStatus, Orphan } from '../infra/index.ts';
import {
  attachDockerInfra,
  infraStatus,
  listOrphans,
  startDockerInfra,
  startInfra,
  stopDockerInfra,
  stopInfra,
} from '../infra/index.ts';
import { terminalProgress } from './progress-reporter.ts';

export interface InfraFlags {
  provider: string;
  json?: boolean;
  name: string;
  kafkaPort?: number;
  redisPort?: number;
  toxiproxyPort?: number;
}

export const PROVIDERS = ['local', 'docker'] as const;

export function checkProvider(provider: string): void {
  if (provider === 'local' || provider === 'docker') return;
  throw new BadInputError(`unknown provider "${provider}"`, {
    code: 'UNKNOWN_PROVIDER',
    fix: `use one of: ${PROVIDERS.join(', ')}`,
  });
}

/** The docker provider's long-lived instance: containers labelled `faultline.instance=<name>`, no owner. */
async function dockerInfraCommand(command: 'up' | 'down' | 'status', flags: InfraFlags): Promise<number> {
  if (command === 'down') {
    const stopped = await stopDockerInfra(flags.name);
    if (flags.json) console.log(JSON.stringify({ stopped }));
    else
      console.log(
        stopped ? `docker infra "${flags.name}" removed` : `docker infra "${flags.name}" was not running`,
      );
    return 0;
  }
  let infra = await attachDockerInfra(flags.name);
  const started = !infra && command === 'up';
  if (started)
    infra = await startDockerInfra({ name: flags.name, owner: null, progress: terminalProgress() });
  if (!infra) {
    if (flags.json) console.log(JSON.stringify({ name: flags.name, healthy: false, problem: 'not running' }));
    else
      console.log(
        `docker infra "${flags.name}" is not running (start it: faultline infra up --provider docker)`,
      );
    return command === 'status' ? 1 : 0;
  }
  const out = { network: infra.network, kafka: infra.kafka, redis: infra.redis, toxiproxy: infra.toxiproxy };
  if (flags.json) console.log(JSON.stringify(out, null, 2));
  else {
    console.log(
      `docker infra "${flags.name}" ${started ? 'started' : 'running'} on network ${infra.network}:`,
    );
    console.log(`  kafka      ${infra.kafka.bootstrap}  (inside: kafka:9092)`);
    console.log(`  redis      ${infra.redis.url}  (Redis ${infra.redis.version}; inside: redis:6379)`);
    console.log(`  toxiproxy  ${infra.toxiproxy.api}  (inside: toxiproxy:8474)`);
  }
  return 0;
}

export async function infraUp(flags: InfraFlags): Promise<number> {
  checkProvider(flags.provider);
  if (flags.provider === 'docker') return dockerInfraCommand('up', flags);
  const infra = await startInfra({
    name: flags.name,
    owner: null,
    ports: { kafka: flags.kafkaPort, redis: flags.redisPort, toxiproxy: flags.toxiproxyPort },
    progress: terminalProgress(),
  });
  const out = { kafka: infra.kafka, redis: infra.redis, toxiproxy: infra.toxiproxy };
  if (flags.json) console.log(JSON.stringify(out, null, 2));
  else {
    console.log(`infra "${infra.name}" ${infra.started ? 'started' : 'already running'}:`);
    console.log(`  kafka      ${infra.kafka.bootstrap}  (Kafka ${infra.kafka.version}, KRaft)`);
    console.log(`  redis      ${infra.redis.url}  (Redis ${infra.redis.version})`);
    console.log(`  toxiproxy  ${infra.toxiproxy.api}  (Toxiproxy ${infra.toxiproxy.version})`);
    console.log(`  logs and state in ${infra.dir}`);
  }
  return 0;
}

export async function infraDown(flags: InfraFlags): Promise<number> {
  checkProvider(flags.provider);
  if (flags.provider === 'docker') return dockerInfraCommand('down', flags);
  const stopped = await stopInfra(flags.name);
  if (flags.json) console.log(JSON.stringify({ stopped }));
  else console.log(stopped ? `infra "${flags.name}" stopped` : `infra "${flags.name}" was not running`);
  return 0;
}

export async function infraStatusCommand(flags: InfraFlags): Promise<number> {
  checkProvider(flags.provider);
  if (flags.provider === 'docker') return dockerInfraCommand('status', flags);
  const status = await infraStatus(flags.name);
  const leftovers = listOrphans();
  if (flags.json) {
    console.log(
      JSON.stringify(
        {
          ...(status ?? { name: flags.name, healthy: false, services: [], problem: 'not running' }),
          leftovers,
        },
        null,
        2,
      ),
    );
  } else {
    if (!status) console.log(`infra "${flags.name}" is not running (start it with: faultline infra up)`);
    else printStatus(status);
    printLeftovers(leftovers);
  }
  return status?.healthy ? 0 : 1;
}

/** Services a dead runner (a killed `faultline run`, soak or test process) left behind. */
function printLeftovers(leftovers: Orphan[]): void {
  if (leftovers.length === 0) return;
  console.log('leftovers of dead runners (the next faultline start sweeps them):');
  for (const o of leftovers) {
    const processes = [
      ...o.running.map((s) => `${s.name} pid ${s.pid} port ${s.port}`),
      ...o.strays.map((s) => `${s.service} pid ${s.pid} (not in its state file)`),
    ].join(', ');
    const why =
      o.owner === null ? 'its folder is gone' : `owner pid ${o.owner} is gone; created ${o.createdAt}`;
    console.log(`  infra "${o.name}" (${why}): ${processes || 'no process still running'}  (${o.dir})`);
  }
}

function printStatus(status: InfraStatus): void {
  console.log(`infra "${status.name}": ${status.healthy ? 'healthy' : 'NOT healthy'}  (${status.dir})`);
  for (const s of status.services) {
    console.log(`  ${s.healthy ? '✓' : '✗'} ${s.name.padEnd(10)} port ${s.port}  pid ${s.pid}  ${s.version}`);
    if (s.problem) console.log(s.problem.replace(/^/gm, '      '));
  }
}
