import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { NodeSlots } from './node-slots.ts';

/** Renews a node-slot lease every third of its lifetime until the returned stop function is called. */
export function holdLease(
  slots: NodeSlots,
  node: string,
  leaseId: string,
  clock: Clock,
  logger: Logger,
): () => void {
  const stop = new AbortController();
  const loop = async () => {
    for (;;) {
      await clock.sleep(slots.leaseMs / 3, stop.signal);
      try {
        if (!(await slots.renew(node, leaseId))) {
          // Lost (renewals failed for a whole lease: Redis out, the process paused). The Proxmox task is
          // still running, and stopping it would be worse; so the lease is put back even over the limit,
          // which makes newcomers on the node wait (not start beside it) until the count is back under.
          const held = await slots.reclaim(node, leaseId);
          logger.warn({ node, leaseId, held }, 'node slot lease was lost; reclaimed it (newcomers wait)');
        }
      } catch (err) {
        logger.warn({ err, node, leaseId }, 'could not renew node slot lease');
      }
    }
  };
  loop().catch(() => {
    // The sleep rejects when stopped: that is the normal end.
  });
  return () => stop.abort();
}
