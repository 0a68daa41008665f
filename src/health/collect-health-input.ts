import type { HealthInput, HealthNodeInput, HealthTemplateInput } from '../core/health-types.ts';
import { deriveNodeIds } from '../core/node-template-vmid.ts';
import type { Logger } from '../logger.ts';
import { ProxmoxApiError, ProxmoxError } from '../proxmox/errors.ts';
import type { ClusterVm, ProxmoxClient, StorageInfo, VmConfig } from '../proxmox/types.ts';
import type { KnownTemplateStore } from './known-templates-store.ts';
import { type LockSinceStore, lockKey, type ObservedLock } from './lock-since-store.ts';
import { mapWithConcurrency } from './map-with-concurrency.ts';

/** What collectHealthInput needs besides the Proxmox client. */
export interface CollectHealthOptions {
  /** TEMPLATE_NODE_IDS; without it the corosync ids from /cluster/status. */
  templateNodeIds?: ReadonlyMap<string, number> | undefined;
  lockSince: LockSinceStore;
  knownTemplates?: KnownTemplateStore;
  now: number;
  lockStuckMs: number;
  /** Config reads in flight at once (default 4): a big cluster must not be hammered. */
  concurrency?: number;
  logger?: Logger;
}

/** The rules' input plus notes on what the check could not see. */
export interface CollectedHealth {
  input: HealthInput;
  notes: string[];
}

/** The node did not answer (595 from the API node's proxy, 596, a timeout or a dropped connection). */
function isUnreachable(error: unknown): boolean {
  if (error instanceof ProxmoxApiError) return error.status === 595 || error.status === 596;
  return error instanceof ProxmoxError && !(error instanceof ProxmoxApiError);
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Reads what the health rules need: GET /nodes, /cluster/status and /cluster/resources (templates and their
 * locks) once; per online node its storages; per template its config, a few at a time. A node that is offline
 * or stops answering (595) is reported offline, not failed on; lock first-seen times come from `lockSince`.
 */
export async function collectHealthInput(
  proxmox: ProxmoxClient,
  opts: CollectHealthOptions,
): Promise<CollectedHealth> {
  const [nodes, status, vms] = await Promise.all([
    proxmox.listNodes(),
    proxmox.getClusterStatus(),
    proxmox.listClusterVms(),
  ]);
  const mapping = deriveNodeIds(status, opts.templateNodeIds);
  const notes = [...mapping.notes];
  const templates = vms.filter((v) => v.template);
  const online = new Set(nodes.filter((n) => n.status === 'online').map((n) => n.node));
  const offlineWhy = new Map<string, string>();
  for (const n of nodes) if (n.status !== 'online') offlineWhy.set(n.node, `status ${n.status}`);

  const storages = new Map<string, StorageInfo[]>();
  await mapWithConcurrency([...online], opts.concurrency ?? 4, async (node) => {
    try {
      storages.set(node, await proxmox.listStorages(node));
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      online.delete(node);
      offlineWhy.set(node, describe(error));
    }
  });

  const configs = new Map<number, VmConfig>();
  const checkable = templates.filter((t) => online.has(t.node));
  await mapWithConcurrency(checkable, opts.concurrency ?? 4, async (t) => {
    if (!online.has(t.node)) return;
    try {
      configs.set(t.vmid, await proxmox.getVmConfig(t.node, t.vmid));
    } catch (error) {
      if (isUnreachable(error)) {
        online.delete(t.node);
        offlineWhy.set(t.node, describe(error));
      } else if (error instanceof ProxmoxApiError && error.isNotFound()) {
        // Removed (or migrated) between the listing and the read: the next check sees the new state.
      } else {
        notes.push(`template ${t.vmid} on ${t.node} was not checked: ${describe(error)}`);
      }
    }
  });
  for (const [node, why] of offlineWhy) opts.logger?.warn({ node, why }, 'health check: node not reachable');

  const lockOf = (t: ClusterVm): string | undefined => {
    const fromConfig = configs.get(t.vmid)?.lock;
    return fromConfig !== undefined ? String(fromConfig) : t.lock;
  };
  const locks: ObservedLock[] = templates.flatMap((t) => {
    const lock = lockOf(t);
    return lock === undefined || lock === '' ? [] : [{ node: t.node, vmid: t.vmid, lock }];
  });
  const since = await opts.lockSince.observe(locks, opts.now);

  const seen = new Map<string, number[]>();
  for (const node of online)
    seen.set(
      node,
      templates
        .filter((t) => t.node === node)
        .map((t) => t.vmid)
        .sort((a, b) => a - b),
    );
  const offlineNodes = nodes.map((n) => n.node).filter((n) => !online.has(n));
  const known = opts.knownTemplates ? await opts.knownTemplates.update(seen, offlineNodes) : new Map();

  const input: HealthNodeInput[] = nodes.map((n) => {
    if (!online.has(n.node)) {
      const ids = new Set<number>([
        ...(known.get(n.node) ?? []),
        ...templates.filter((t) => t.node === n.node).map((t) => t.vmid),
      ]);
      return {
        node: n.node,
        online: false,
        storages: [],
        templates: [...ids].map((vmid) => ({ vmid, config: {} })),
      };
    }
    const list: HealthTemplateInput[] = [];
    for (const t of templates.filter((x) => x.node === n.node)) {
      const config = configs.get(t.vmid);
      if (!config) continue;
      const entry: HealthTemplateInput = { vmid: t.vmid, config };
      const name = config.name !== undefined ? String(config.name) : t.name;
      if (name !== undefined) entry.name = name;
      const lock = lockOf(t);
      if (lock !== undefined && lock !== '') {
        entry.lock = lock;
        const first = since.get(lockKey({ node: n.node, vmid: t.vmid, lock }));
        if (first !== undefined) entry.lockSince = first;
      }
      list.push(entry);
    }
    return { node: n.node, online: true, storages: storages.get(n.node) ?? [], templates: list };
  });
  input.sort((a, b) => a.node.localeCompare(b.node));
  return {
    input: { nodes: input, nodeIds: mapping.ids, thresholds: { lockStuckMs: opts.lockStuckMs } },
    notes,
  };
}
