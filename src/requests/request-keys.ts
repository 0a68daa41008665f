import type { RequestStatus } from './types.ts';

/** Default key prefix shared by the request store, the queue, the node slots and the cancel channel. */
export const DEFAULT_PREFIX = 'clonebot:';

/** Redis key names under one prefix, in one place so store, worker and tests agree. */
export function requestKeys(prefix: string) {
  return {
    record: (id: string) => `${prefix}req:${id}`,
    recent: `${prefix}req:recent`,
    byStatus: (status: RequestStatus) => `${prefix}req:status:${status}`,
    byUser: (userId: string) => `${prefix}req:user:${userId}`,
    /** Sorted set of one user's requests not yet ended (pending, approved, cloning), by creation time. */
    openByUser: (userId: string) => `${prefix}req:open:${userId}`,
    /** Set once the open index holds the requests in flight from before it existed (backfillOpenIndex). */
    openIndexBackfilled: `${prefix}migrated:req-open-index`,
    /** Sorted set of request id → when its result was saved (or last claimed) while not yet delivered. */
    undelivered: `${prefix}req:undelivered`,
    /** Pub/sub channel: a message is the id of a request to cancel. */
    cancelChannel: `${prefix}cancel`,
    /** Sorted set of leaseId → expiry for one Proxmox node's clone slots. */
    nodeSlots: (node: string) => `${prefix}slots:${node}`,
  };
}
