import type { Redis } from 'ioredis';
import type { Clock } from '../clock.ts';
import { DEFAULT_PREFIX, requestKeys } from '../requests/request-keys.ts';

// Purge expired leases, then: a lease already held is renewed (a resumed job takes its own slot back),
// a new one is granted while fewer than the limit hold one.
const ACQUIRE = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  return 1
end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  return 1
end
return 0
`;

// Never re-creates a lease that was purged: its slot may have gone to someone else.
const RENEW = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  return 1
end
return 0
`;

/** Options for createNodeSlots. */
export interface NodeSlotsOptions {
  prefix?: string;
  clock: Clock;
  /** A lease not renewed for this long is free again (its worker died). Default 60 s. */
  leaseMs?: number;
}

/**
 * A counting semaphore per Proxmox node, shared by every worker process through Redis: a sorted set of
 * leaseId → expiry under `${prefix}slots:<node>`. Leases expire unless renewed, so a dead worker's slot
 * frees itself.
 */
export interface NodeSlots {
  /** Takes (or renews) a slot on `node` for `leaseId` if fewer than `limit` are held; false when full. */
  acquire(node: string, leaseId: string, limit: number): Promise<boolean>;
  /** Pushes the lease's expiry out; false when the lease was lost (expired and purged). */
  renew(node: string, leaseId: string): Promise<boolean>;
  release(node: string, leaseId: string): Promise<void>;
  /** Lease ids holding a slot now (expired ones excluded). */
  holders(node: string): Promise<string[]>;
  readonly leaseMs: number;
}

/** Creates the per-node slot semaphore on a Redis connection it receives. */
export function createNodeSlots(redis: Redis, options: NodeSlotsOptions): NodeSlots {
  const keys = requestKeys(options.prefix ?? DEFAULT_PREFIX);
  const { clock } = options;
  const leaseMs = options.leaseMs ?? 60_000;
  return {
    leaseMs,
    async acquire(node, leaseId, limit) {
      const now = clock.now();
      const r = await redis.eval(ACQUIRE, 1, keys.nodeSlots(node), leaseId, now, now + leaseMs, limit);
      return r === 1;
    },
    async renew(node, leaseId) {
      const r = await redis.eval(RENEW, 1, keys.nodeSlots(node), leaseId, clock.now() + leaseMs);
      return r === 1;
    },
    async release(node, leaseId) {
      await redis.zrem(keys.nodeSlots(node), leaseId);
    },
    async holders(node) {
      return redis.zrangebyscore(keys.nodeSlots(node), `(${clock.now()}`, '+inf');
    },
  };
}
