import type { ProxmoxClient } from '../proxmox/types.ts';

/** The cluster reads a pre-clone check makes that many clones starting at once can share. */
export type SharedReads = Pick<ProxmoxClient, 'listNodes' | 'listClusterVms' | 'listStorages'>;

/**
 * Joins concurrent identical reads: a call while the same read is in flight gets that read's answer instead of
 * sending another. A burst of a thousand approvals otherwise read /cluster/resources a thousand times at once,
 * each answer listing every VM (quadratic in the burst, and most of a worker's memory at that moment).
 *
 * Only for the pre-clone check: a joined answer may be one round trip older than the call, which is fine for
 * "is the node online, where is the template" but not for the look-up after an ambiguous clone POST (a VM that
 * appeared after the shared read began would be missed), so findStartedClone keeps the plain client.
 */
export function shareConcurrentReads(proxmox: SharedReads): SharedReads {
  const join = joinConcurrent();
  return {
    listNodes: () => join('nodes', () => proxmox.listNodes()),
    listClusterVms: () => join('vms', () => proxmox.listClusterVms()),
    listStorages: (node) => join(`storages:${node}`, () => proxmox.listStorages(node)),
  };
}

/**
 * A call with a key that is in flight gets that call's promise; once it settles, the next call runs afresh.
 * Nothing is cached past the round trip.
 */
export function joinConcurrent(): <T>(key: string, read: () => Promise<T>) => Promise<T> {
  const inFlight = new Map<string, Promise<unknown>>();
  return <T>(key: string, read: () => Promise<T>): Promise<T> => {
    const running = inFlight.get(key);
    if (running !== undefined) return running as Promise<T>;
    const p = read().finally(() => inFlight.delete(key));
    inFlight.set(key, p);
    return p;
  };
}
