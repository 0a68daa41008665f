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
        // A lost lease is only logged: the Proxmox task is already running, stopping it would be worse.
        if (!(await slots.renew(node, leaseId))) logger.warn({ node, leaseId }, 'node slot lease was lost');
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
