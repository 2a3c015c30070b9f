/**
 * What faults act on, resolved from the deployment and the infrastructure at injection time (a restarted
 * worker has a new pid): processes (`features[1]`, `coordinator`), links (`link:source[0]->features[1]`, with
 * `*` globs such as `link:*->redis`), and services (`redis`, `kafka`).
 */
import type { ProcessControl } from '../engines/types.ts';

export interface TargetResolver {
  /** Worker ids and `coordinator` → current pid (null while not running). */
  processes(): Record<string, number | null>;
  /** Worker ids and `coordinator` → how to kill/pause/cut off the current incarnation (null: not running). */
  controls(): Record<string, ProcessControl | null>;
  /** Link name → Toxiproxy proxy name. */
  links(): Record<string, string>;
  toxiproxyApi: string;
  /** Stops, starts, pauses and resumes `redis` / `kafka` (undefined: services not started by faultline). */
  services: ServiceControl | undefined;
}

export type ServiceControl = (
  service: (typeof SERVICES)[number],
  action: 'pause' | 'resume' | 'stop' | 'start',
) => Promise<void>;

export const SERVICES = ['redis', 'kafka'] as const;

/** Links matching `pattern` (`*` matches any run of characters). */
export function matchLinks(pattern: string, links: readonly string[]): string[] {
  if (!pattern.includes('*')) return links.includes(pattern) ? [pattern] : [];
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return links.filter((l) => re.test(l));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
