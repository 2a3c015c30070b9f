/**
 * Per-key operator state kept in Redis as JSON (the Storm way: shared, durable, not rolled back on replay).
 * Reads and writes are batched: MGET for a batch's keys, one pipelined MSET back.
 */
import type { Redis } from 'ioredis';

export interface KeyedStateStore<State> {
  getMany(keys: readonly string[]): Promise<Map<string, State>>;
  setMany(entries: ReadonlyMap<string, State>): Promise<void>;
}

export function createRedisStateStore<State>(redis: Redis, prefix: string): KeyedStateStore<State> {
  const k = (key: string) => `${prefix}${key}`;
  return {
    async getMany(keys) {
      const out = new Map<string, State>();
      if (keys.length === 0) return out;
      const values = await redis.mget(...keys.map(k));
      keys.forEach((key, i) => {
        const v = values[i];
        if (v != null) out.set(key, JSON.parse(v) as State);
      });
      return out;
    },
    async setMany(entries) {
      if (entries.size === 0) return;
      const flat: string[] = [];
      for (const [key, state] of entries) flat.push(k(key), JSON.stringify(state));
      await redis.mset(...flat);
    },
  };
}
