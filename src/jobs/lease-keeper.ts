import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import type { NodeSlots } from './node-slots.ts';

/** Renews the slot leases held in one process. */
export interface LeaseKeeper {
  /** Renews `leaseId`'s lease on slot `key` until the returned stop function is called. */
  hold(key: string, leaseId: string): () => void;
  /** Leases held now. */
  readonly size: number;
}

interface Held {
  key: string;
  leaseId: string;
}

/**
 * One renewal loop for every slot lease a process holds: every third of the lease's lifetime it renews them
 * all. A loop per lease (holdLease) costs each clone followed a controller, a timer and a suspended async
 * frame for the whole clone; a worker follows up to a thousand (issue 9). The loop runs only while a lease is
 * held. A lease whose renewal finds it lost (renewals failed for a whole lease: Redis out, the process paused)
 * is put back even over the limit, as holdLease does: its Proxmox task still runs, and stopping it would be
 * worse; newcomers on the node wait until the count is back under.
 */
export function createLeaseKeeper(slots: NodeSlots, clock: Clock, logger: Logger): LeaseKeeper {
  const held = new Set<Held>();
  let stop: AbortController | undefined;

  const renew = async (lease: Held) => {
    const { key, leaseId } = lease;
    try {
      if (await slots.renew(key, leaseId)) return;
      // Released while its renewal was on the way: the slot is no longer this run's to put back.
      if (!held.has(lease)) return;
      const count = await slots.reclaim(key, leaseId);
      logger.warn(
        { node: key, leaseId, held: count },
        'node slot lease was lost; reclaimed it (newcomers wait)',
      );
    } catch (err) {
      logger.warn({ err, node: key, leaseId }, 'could not renew node slot lease');
    }
  };

  const loop = async (own: AbortSignal) => {
    for (;;) {
      try {
        await clock.sleep(slots.leaseMs / 3, own);
      } catch {
        return; // stopped: the last lease was released
      }
      await Promise.all([...held].map(renew));
    }
  };

  return {
    hold(key, leaseId) {
      const lease: Held = { key, leaseId };
      held.add(lease);
      if (stop === undefined) {
        stop = new AbortController();
        void loop(stop.signal);
      }
      return () => {
        if (!held.delete(lease) || held.size > 0) return;
        stop?.abort();
        stop = undefined;
      };
    },
    get size() {
      return held.size;
    },
  };
}
