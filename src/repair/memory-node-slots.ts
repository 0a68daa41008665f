import type { NodeSlots } from '../jobs/node-slots.ts';

/**
 * The per-node slot semaphore in one process (the CLI without REDIS_URL): the same acquire/renew/release
 * contract as the Redis one, without expiry (a process that dies takes its slots with it).
 */
export function memoryNodeSlots(): NodeSlots {
  const held = new Map<string, Set<string>>();
  const of = (node: string) => {
    let s = held.get(node);
    if (!s) {
      s = new Set();
      held.set(node, s);
    }
    return s;
  };
  return {
    leaseMs: Number.POSITIVE_INFINITY,
    async acquire(node, leaseId, limit) {
      const s = of(node);
      if (s.has(leaseId)) return true;
      if (s.size >= limit) return false;
      s.add(leaseId);
      return true;
    },
    async renew(node, leaseId) {
      return of(node).has(leaseId);
    },
    async reclaim(node, leaseId) {
      return of(node).add(leaseId).size;
    },
    async release(node, leaseId) {
      of(node).delete(leaseId);
    },
    async holders(node) {
      return [...of(node)];
    },
  };
}
