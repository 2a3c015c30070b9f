/**
 * What faults act on, resolved from the deployment and the infrastructure at injection time (a restarted
 * worker has a new pid): processes (`features[1]`, `coordinator`), links (`link:source[0]->features[1]`, with
 * `*` globs such as `link:*->redis`), and services (`redis`, `kafka`).
 */
export interface TargetResolver {
  /** Worker ids and `coordinator` → current pid (null while not running). */
  processes(): Record<string, number | null>;
  /** Link name → Toxiproxy proxy name. */
  links(): Record<string, string>;
  toxiproxyApi: string;
  /** The infra instance whose services `redis` / `kafka` faults stop and start (undefined: not allowed). */
  infraInstance: string | undefined;
}

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
