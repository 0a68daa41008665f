import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

/** INFO replication's `connected_slaves`: how many replicas the master this connection reaches has. */
export async function connectedReplicas(redis: Redis): Promise<number> {
  const m = /^connected_slaves:(\d+)/m.exec(await redis.info('replication'));
  return m?.[1] === undefined ? 0 : Number(m[1]);
}

/**
 * After a write that must outlive a failover (a clone checkpoint: the VMID saved before the clone POST, which
 * the engine awaits before sending it, and the task's UPID; a resumed job follows that clone instead of cloning
 * again), `WAIT 1 <timeoutMs>` on the connection that wrote it. Sentinel replication is
 * asynchronous: a master killed right after acknowledging a write may never have sent it to a replica, and the
 * promoted replica has not got it. What WAIT guarantees: once it answers ≥ 1, at least one replica holds every
 * write this connection made before it, so a failover to that replica keeps the checkpoint. It does not make
 * the write atomic or roll it back: when the timeout passes with no replica acknowledging (the replica is down
 * or lagging), the write stays on the master only; we log it and go on rather than stall the clone.
 *
 * With no replica connected to the master (after a failover with one replica, until the old master rejoins as
 * a replica), WAIT could only ever time out: each checkpoint would cost `timeoutMs` for nothing. So each
 * checkpoint first asks INFO replication (one round trip, far less than a WAIT) and sends WAIT only when a
 * replica is connected. Nothing is weakened: a replica that connects after the write starts from a full copy
 * of the master, which holds it; a replica that is connected but lagging or not answering is still waited for
 * in full. "Writes are no longer replicated" is logged once at warn until a replica is back (then at info).
 */
export function waitForReplica(redis: Redis, logger: Logger, timeoutMs = 1000): () => Promise<void> {
  let warned = false;
  return async () => {
    const replicas = await connectedReplicas(redis);
    if (replicas === 0) {
      if (!warned) {
        warned = true;
        logger.warn(
          'no Redis replica is connected to the master: checkpoints are no longer replicated, and a failover now may lose them (logged once until a replica is back)',
        );
      }
      return;
    }
    if (warned) {
      warned = false;
      logger.info({ replicas }, 'a Redis replica is connected again: checkpoints wait for it');
    }
    const acked = await redis.wait(1, timeoutMs);
    if (acked < 1) {
      logger.warn(
        { timeoutMs },
        'no Redis replica acknowledged the checkpoint in time: a failover now may lose it',
      );
    }
  };
}
