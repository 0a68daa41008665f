import type { Redis } from 'ioredis';
import { healthKeys } from './health-keys.ts';

/** A lock on a template as seen now. */
export interface ObservedLock {
  node: string;
  vmid: number;
  lock: string;
}

/**
 * Proxmox does not say when a lock was taken, so the health check remembers when it first saw each one:
 * the lock's age is "at least since then". A lock that goes (or changes kind) is forgotten.
 */
export interface LockSinceStore {
  /** Records `locks` (keeping earlier first-seen times), forgets the others; returns first-seen per lock. */
  observe(locks: readonly ObservedLock[], now: number): Promise<Map<string, number>>;
}

/** The store's key for one lock: `pve2/9205/backup`. */
export const lockKey = (l: ObservedLock) => `${l.node}/${l.vmid}/${l.lock}`;

// One round trip, atomic: keep first-seen times of current locks, add new ones, drop the rest.
const OBSERVE = `
local now = ARGV[1]
local keep = {}
for i = 2, #ARGV do
  keep[ARGV[i]] = true
  redis.call('HSETNX', KEYS[1], ARGV[i], now)
end
local all = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #all, 2 do
  if keep[all[i]] then
    out[#out + 1] = all[i]
    out[#out + 1] = all[i + 1]
  else
    redis.call('HDEL', KEYS[1], all[i])
  end
end
return out
`;

/** Lock first-seen times in a Redis hash shared by every process (so ages survive restarts). */
export function createRedisLockSinceStore(redis: Redis, prefix?: string): LockSinceStore {
  const key = healthKeys(prefix).lockSince;
  return {
    async observe(locks, now) {
      const fields = [...new Set(locks.map(lockKey))];
      const flat = (await redis.eval(OBSERVE, 1, key, String(now), ...fields)) as string[];
      const out = new Map<string, number>();
      for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i] as string, Number(flat[i + 1]));
      return out;
    },
  };
}

/** Lock first-seen times in this process only (the CLI without Redis: ages start at this run). */
export function memoryLockSinceStore(): LockSinceStore {
  const seen = new Map<string, number>();
  return {
    async observe(locks, now) {
      const current = new Set(locks.map(lockKey));
      for (const k of [...seen.keys()]) if (!current.has(k)) seen.delete(k);
      for (const k of current) if (!seen.has(k)) seen.set(k, now);
      return new Map(seen);
    },
  };
}
