import type { Clock } from '../clock.ts';
import { holdLease } from '../jobs/hold-lease.ts';
import type { NodeSlots } from '../jobs/node-slots.ts';
import type { Logger } from '../logger.ts';

/** What withNodeSlots needs. */
export interface SlotDeps {
  slots: NodeSlots;
  /** CLONE_CONCURRENCY_PER_NODE: clones and repairs share it. */
  limitPerNode: number;
  clock: Clock;
  /** Time of the leases (real time across processes). */
  leaseClock?: Clock;
  logger: Logger;
  /** Pause between attempts when a node is full (default 2 s of `clock`). */
  retryMs?: number;
}

/**
 * Runs `fn` holding a slot on every node in `nodes` (the ones a repair loads: the source, where the clone
 * runs, and the target). All or none: when one node is full the slots already taken are given back and
 * the whole set is tried again later, so two repairs can never hold each other's nodes. Redis leases are
 * renewed while `fn` runs; `onWait` hears once that the repair waits for room.
 */
export async function withNodeSlots<T>(
  deps: SlotDeps,
  nodes: readonly string[],
  leaseId: string,
  fn: () => Promise<T>,
  onWait?: (full: string) => void,
  signal?: AbortSignal,
): Promise<T> {
  const wanted = [...new Set(nodes)].sort();
  let told = false;
  for (;;) {
    const taken: string[] = [];
    let full: string | undefined;
    for (const node of wanted) {
      if (await deps.slots.acquire(node, leaseId, deps.limitPerNode)) taken.push(node);
      else {
        full = node;
        break;
      }
    }
    if (full === undefined) break;
    for (const node of taken) await deps.slots.release(node, leaseId);
    if (!told) {
      told = true;
      onWait?.(full);
    }
    await deps.clock.sleep(deps.retryMs ?? 2000, signal);
  }
  const stops = Number.isFinite(deps.slots.leaseMs)
    ? wanted.map((n) => holdLease(deps.slots, n, leaseId, deps.leaseClock ?? deps.clock, deps.logger))
    : [];
  try {
    return await fn();
  } finally {
    for (const stop of stops) stop();
    for (const node of wanted) await deps.slots.release(node, leaseId).catch(() => {});
  }
}
