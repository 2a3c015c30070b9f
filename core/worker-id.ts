/** Worker ids as every layer writes them: `features[1]` is instance 1 of operator `features`. */

export function workerId(operator: string, instance: number): string {
  return `${operator}[${instance}]`;
}

/** The operator and instance of a worker id; undefined for anything else (`coordinator`, a link, a service). */
export function parseWorkerId(id: string): { operator: string; instance: number } | undefined {
  const m = /^([a-z-]+)\[(\d+)\]$/.exec(id);
  return m ? { operator: m[1]!, instance: Number(m[2]) } : undefined;
}
