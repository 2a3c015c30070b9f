/**
 * One Toxiproxy proxy per link, so a fault can target exactly one link: worker → worker, worker → coordinator,
 * worker → Redis, worker → Kafka. Proxies are named `<runId>~<link>` (the link named as the nemesis names it,
 * e.g. `link:source[0]->features[1]`), created at deploy, removed at stop, and swept by run id.
 */
import { Toxiproxy } from 'toxiproxy-node-client';

export interface LinkAddress {
  host: string;
  port: number;
}

export interface LinkSpec {
  /** `link:a->b` */
  name: string;
  upstream: LinkAddress;
}

export interface ProxySet {
  /** Where a client of the link connects (the proxy's listen address), by link name. */
  address(link: string): LinkAddress;
  has(link: string): boolean;
  links(): string[];
  /** The Toxiproxy proxy name of a link. */
  proxyName(link: string): string;
  removeAll(): Promise<void>;
}

export function linkName(from: string, to: string): string {
  return `link:${from}->${to}`;
}

export async function createProxies(
  api: string,
  /** Where Toxiproxy binds the proxies, and the host its clients connect to (the same, unless in containers). */
  at: { listenHost: string; clientHost: string },
  runId: string,
  specs: LinkSpec[],
): Promise<ProxySet> {
  const toxiproxy = new Toxiproxy(api);
  const addresses = new Map<string, LinkAddress>();
  const names = new Map<string, string>();
  // Toxiproxy's /populate creates them all in one request. Port 0: Toxiproxy binds a free port itself and
  // answers with it. A port picked free on this host is no proof inside a Toxiproxy container, where a previous
  // run's proxies can still be listening while their deletion goes on (see removeProxies): populate then
  // failed with 500 "address already in use".
  const body = specs.map((s) => ({
    name: `${runId}~${s.name}`,
    listen: `${at.listenHost}:0`,
    upstream: `${s.upstream.host}:${s.upstream.port}`,
    enabled: true,
  }));
  const created = await toxiproxy.populate(body);
  for (const s of specs) {
    const name = `${runId}~${s.name}`;
    const listen = created[name]?.listen;
    const port = Number(listen?.slice(listen.lastIndexOf(':') + 1));
    if (!Number.isInteger(port) || port <= 0) {
      throw new Error(`Toxiproxy created proxy ${name} without a listen port (it answered listen=${listen})`);
    }
    addresses.set(s.name, { host: at.clientHost, port });
    names.set(s.name, name);
  }
  return {
    address(link) {
      const a = addresses.get(link);
      if (!a) throw new Error(`no proxy for ${link}`);
      return a;
    },
    has: (link) => addresses.has(link),
    links: () => [...addresses.keys()],
    proxyName: (link) => names.get(link)!,
    removeAll: () => removeProxies(api, runId),
  };
}

const DELETE_WAIT_MS = 2000;

/** Removes every proxy of a run (also those of a run that crashed). */
export async function removeProxies(api: string, runId: string): Promise<void> {
  const res = await fetch(`${api}/proxies`);
  if (!res.ok) return;
  const all = (await res.json()) as Record<string, unknown>;
  await Promise.all(
    Object.keys(all)
      .filter((name) => name.startsWith(`${runId}~`))
      // Toxiproxy can take many seconds to delete a proxy whose peer vanished with its container; the deletion
      // goes on without us, so do not wait for it.
      .map((name) =>
        fetch(`${api}/proxies/${encodeURIComponent(name)}`, {
          method: 'DELETE',
          signal: AbortSignal.timeout(DELETE_WAIT_MS),
        }).catch(() => {}),
      ),
  );
}
