import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { DEFAULT_PREFIX } from '../requests/request-keys.ts';

/** INFO replication's `connected_slaves`: how many replicas the master this connection reaches has. */
export async function connectedReplicas(redis: Redis): Promise<number> {
  const m = /^connected_slaves:(\d+)/m.exec(await redis.info('replication'));
  return m?.[1] === undefined ? 0 : Number(m[1]);
}

/** The checkpoints' replica wait; `close()` ends its own connection (at shutdown, after the clone worker). */
export interface ReplicaWait {
  (): Promise<void>;
  close(): Promise<void>;
}

/**
 * After a write that must outlive a failover (a clone checkpoint: the VMID saved before the clone POST, which
 * the engine awaits before sending it, and the task's UPID; a resumed job follows that clone instead of cloning
 * again), `WAIT 1 <timeoutMs>`. Sentinel replication is
 * asynchronous: a master killed right after acknowledging a write may never have sent it to a replica, and the
 * promoted replica has not got it. What WAIT guarantees: once it answers ≥ 1, at least one replica holds every
 * write its connection made before it, so a failover to that replica keeps the checkpoint. It does not make
 * the write atomic or roll it back: when the timeout passes with no replica acknowledging (the replica is down
 * or lagging), the write stays on the master only; we log it and go on rather than stall the clone.
 *
 * WAIT blocks the connection it is sent on until it answers, so it runs on a connection of its own (a
 * duplicate of `redis`), never on the store's, which every clone's writes share (and, in one process with the
 * bot, its Socket Mode acks and /healthz): a replica connected but not answering (stopped, partitioned, in a
 * full resync) would otherwise hold all of them for `timeoutMs` at every checkpoint. WAIT counts its own
 * connection's writes, so that connection first writes a mark, after the caller's write has been answered: a
 * replica that acknowledges the mark holds everything the master took before it, the checkpoint among them.
 * Checkpoints that come while a round is under way share the next round (its mark follows all their writes).
 *
 * With no replica connected to the master (after a failover with one replica, until the old master rejoins as
 * a replica), WAIT could only ever time out: each checkpoint would cost `timeoutMs` for nothing. So each
 * round first asks INFO replication (one round trip, far less than a WAIT) and sends WAIT only when a
 * replica is connected. Nothing is weakened: a replica that connects after the write starts from a full copy
 * of the master, which holds it; a replica that is connected but lagging or not answering is still waited for
 * in full. "Writes are no longer replicated" is logged once at warn until a replica is back (then at info).
 */
export function waitForReplica(
  redis: Redis,
  logger: Logger,
  timeoutMs = 1000,
  prefix = DEFAULT_PREFIX,
): ReplicaWait {
  const own = redis.duplicate();
  // Its failures show as the round's rejection (logged by the caller); ioredis would print unheard errors.
  own.on('error', () => undefined);
  const mark = `${prefix}replication-mark`;
  let warned = false;
  const round = async () => {
    const replicas = await connectedReplicas(own);
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
    await own.set(mark, '1', 'PX', 60_000);
    const acked = await own.wait(1, timeoutMs);
    if (acked < 1) {
      logger.warn(
        { timeoutMs },
        'no Redis replica acknowledged the checkpoint in time: a failover now may lose it',
      );
    }
  };
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const replicate = (): Promise<void> => {
    if (running === undefined) {
      running = round().finally(() => {
        running = undefined;
      });
      return running;
    }
    // The round under way may have written its mark before the caller's write: wait for the next one.
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return replicate();
      });
    return next;
  };
  return Object.assign(replicate, {
    close: async () => {
      await own.quit().catch(() => own.disconnect());
    },
  });
}
