import type { Redis } from 'ioredis';
import { healthKeys } from './health-keys.ts';

/**
 * Which templates each node had when last seen online. /cluster/resources does not say which VMs of an
 * offline node are templates (that flag comes from statistics the node no longer sends), and the rules
 * still need those base ids to notice copies missing elsewhere.
 */
export interface KnownTemplateStore {
  /** Saves the template VMIDs of the nodes checked now and returns the last known ones of `offline`. */
  update(seen: ReadonlyMap<string, number[]>, offline: readonly string[]): Promise<Map<string, number[]>>;
}

const parse = (raw: string | null | undefined): number[] => {
  try {
    const v: unknown = JSON.parse(raw ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x)) : [];
  } catch {
    return [];
  }
};

/** Known templates in a Redis hash node → JSON VMIDs. */
export function createRedisKnownTemplates(redis: Redis, prefix?: string): KnownTemplateStore {
  const key = healthKeys(prefix).knownTemplates;
  return {
    async update(seen, offline) {
      if (seen.size > 0)
        await redis.hset(key, Object.fromEntries([...seen].map(([n, ids]) => [n, JSON.stringify(ids)])));
      const out = new Map<string, number[]>();
      if (offline.length === 0) return out;
      const values = await redis.hmget(key, ...offline);
      offline.forEach((node, i) => {
        const ids = parse(values[i]);
        if (ids.length > 0) out.set(node, ids);
      });
      return out;
    },
  };
}

/** Known templates kept in this process only. */
export function memoryKnownTemplates(): KnownTemplateStore {
  const known = new Map<string, number[]>();
  return {
    async update(seen, offline) {
      for (const [n, ids] of seen) known.set(n, [...ids]);
      return new Map(offline.flatMap((n) => (known.has(n) ? [[n, [...(known.get(n) ?? [])]] as const] : [])));
    },
  };
}
