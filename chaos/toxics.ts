/** The Toxiproxy driver: add and remove toxics, disable and enable proxies, through toxiproxy-node-client. */
import { type Toxic, Toxiproxy } from 'toxiproxy-node-client';

export type Stream = 'upstream' | 'downstream' | 'both';

export interface ToxicSpec {
  type: 'latency' | 'bandwidth' | 'timeout' | 'reset_peer' | 'slicer' | 'limit_data' | 'slow_close';
  stream: Stream;
  toxicity: number;
  attributes: Record<string, number>;
}

/** Adds the toxic to every proxy; returns how to remove them all. */
export async function addToxics(
  api: string,
  proxies: string[],
  spec: ToxicSpec,
  label: string,
): Promise<() => Promise<void>> {
  const client = new Toxiproxy(api);
  const added: Toxic<unknown>[] = [];
  const streams: ('upstream' | 'downstream')[] =
    spec.stream === 'both' ? ['upstream', 'downstream'] : [spec.stream];
  try {
    for (const name of proxies) {
      const proxy = await client.get(name);
      for (const stream of streams) {
        added.push(
          (await proxy.addToxic({
            name: `${label}-${stream}`,
            type: spec.type,
            stream,
            toxicity: spec.toxicity,
            attributes: spec.attributes,
          } as never)) as Toxic<unknown>,
        );
      }
    }
  } catch (e) {
    await Promise.all(added.map((t) => t.remove().catch(() => {})));
    throw e;
  }
  return async () => {
    await Promise.all(added.map((t) => t.remove().catch(() => {})));
  };
}

/** Disables the proxies (a partition: connections are cut and refused); returns how to enable them again. */
export async function partition(api: string, proxies: string[]): Promise<() => Promise<void>> {
  const client = new Toxiproxy(api);
  const disabled: { name: string; listen: string; upstream: string }[] = [];
  for (const name of proxies) {
    const p = await client.get(name);
    await p.update({ enabled: false, listen: p.listen, upstream: p.upstream });
    disabled.push({ name, listen: p.listen, upstream: p.upstream });
  }
  return async () => {
    for (const d of disabled) {
      const p = await client.get(d.name);
      await p.update({ enabled: true, listen: d.listen, upstream: d.upstream });
    }
  };
}
