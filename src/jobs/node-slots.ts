import type { Redis } from 'ioredis';
import type { Clock } from '../clock.ts';
import { DEFAULT_PREFIX, requestKeys } from '../requests/request-keys.ts';

// Every script takes "now" as ARGV[1]: the caller's clock when one is given (tests on simulated time), else
// '' and Redis's own TIME, so leases written by hosts whose clocks disagree expire by one clock. (Redis 7
// replicates a script's effects, so TIME may be read before a write.)
const NOW = `
local now = tonumber(ARGV[1])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

// Purge expired leases, then: a lease already held is renewed (a resumed job takes its own slot back),
// a new one is granted while fewer than the limit hold one. ARGV: now, leaseId, leaseMs, limit.
const ACQUIRE = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  return 1
end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  return 1
end
return 0
`;

// Never re-creates a lease that was purged: its slot may have gone to someone else. ARGV: now, leaseId, leaseMs.
const RENEW = `${NOW}
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
  return 1
end
return 0
`;

// Puts a lost lease back whatever the count: the work it guards is still running on the node, so the
// semaphore must count it; over the limit, newcomers wait until enough holders are done. Returns the count.
// ARGV: now, leaseId, leaseMs.
const RECLAIM = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
return redis.call('ZCARD', KEYS[1])
`;

// ARGV: now.
const HOLDERS = `${NOW}
return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')
`;

/** Options for createNodeSlots. */
export interface NodeSlotsOptions {
  prefix?: string;
  /**
   * The clock leases expire by. Default: Redis's server time (TIME), the one clock every worker host
   * shares; a host clock would let a host running ahead purge the live leases of the others. Tests pass a
   * simulated clock.
   */
  clock?: Clock;
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
  /**
   * Puts a lost lease back even over the limit (its work is still running there, so it must be counted);
   * returns how many hold a slot now.
   */
  reclaim(node: string, leaseId: string): Promise<number>;
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
  const now = () => (clock !== undefined ? String(clock.now()) : '');
  return {
    leaseMs,
    async acquire(node, leaseId, limit) {
      const r = await redis.eval(ACQUIRE, 1, keys.nodeSlots(node), now(), leaseId, leaseMs, limit);
      return r === 1;
    },
    async renew(node, leaseId) {
      const r = await redis.eval(RENEW, 1, keys.nodeSlots(node), now(), leaseId, leaseMs);
      return r === 1;
    },
    async reclaim(node, leaseId) {
      return Number(await redis.eval(RECLAIM, 1, keys.nodeSlots(node), now(), leaseId, leaseMs));
    },
    async release(node, leaseId) {
      await redis.zrem(keys.nodeSlots(node), leaseId);
    },
    async holders(node) {
      return (await redis.eval(HOLDERS, 1, keys.nodeSlots(node), now())) as string[];
    },
  };
}
