import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

/**
 * After a write that must outlive a failover (a clone checkpoint: the VMID saved before the clone POST, which
 * the engine awaits before sending it, and the task's UPID; a resumed job follows that clone instead of cloning
 * again), `WAIT 1 <timeoutMs>` on the connection that wrote it. Sentinel replication is
 * asynchronous: a master killed right after acknowledging a write may never have sent it to a replica, and the
 * promoted replica has not got it. What WAIT guarantees: once it answers ≥ 1, at least one replica holds every
 * write this connection made before it, so a failover to that replica keeps the checkpoint. It does not make
 * the write atomic or roll it back: when the timeout passes with no replica acknowledging (the replica is down
 * or lagging), the write stays on the master only; we log it and go on rather than stall the clone.
 */
export function waitForReplica(redis: Redis, logger: Logger, timeoutMs = 1000): () => Promise<void> {
  return async () => {
    const acked = await redis.wait(1, timeoutMs);
    if (acked < 1) {
      logger.warn(
        { timeoutMs },
        'no Redis replica acknowledged the checkpoint in time: a failover now may lose it',
      );
    }
  };
}
