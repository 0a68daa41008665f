import { listDiskEntries } from '../core/disk-entries.ts';
import type { CloneRequest } from '../core/types.ts';
import type { ProxmoxClient } from '../proxmox/types.ts';
import { joinConcurrent } from './shared-reads.ts';
import type { CloneEngine } from './types.ts';

/** What sharedStoragesWritten reads: the template (resolved by the engine), its config, the node's storages. */
export interface SharedStoragesDeps {
  engine: Pick<CloneEngine, 'resolveTemplate'>;
  proxmox: Pick<ProxmoxClient, 'getVmConfig' | 'listStorages'>;
}

/**
 * The shared storages (ceph, NFS, …: `shared: 1`) a clone will write its disks to, sorted: the requested
 * `storage` for every copied disk of a full clone, else each disk's own storage (a linked clone's overlay
 * lives beside its base). Several nodes write to one shared storage at once, so its clone slots are
 * counted cluster-wide, not per node. Throws when the template or storages cannot be read (the caller
 * then goes on without storage slots and says so).
 */
export async function sharedStoragesWritten(
  deps: SharedStoragesDeps,
  request: CloneRequest,
): Promise<string[]> {
  const template = await deps.engine.resolveTemplate(request.template, request.node);
  if (!('vmid' in template)) throw new Error(`template not resolved: ${template.summary}`);
  const config = await deps.proxmox.getVmConfig(template.node, template.vmid);
  const written = new Set<string>();
  for (const d of listDiskEntries(config)) {
    // CD-ROM ISOs are not copied; a cloud-init drive is made new on the target storage like a disk.
    if (d.unused || d.isCdrom || d.storage === undefined) continue;
    written.add(request.mode === 'full' && request.storage !== undefined ? request.storage : d.storage);
  }
  if (written.size === 0) return [];
  const storages = await deps.proxmox.listStorages(template.node);
  const shared = new Set(storages.filter((s) => s.shared).map((s) => s.storage));
  return [...written].filter((s) => shared.has(s)).sort();
}

/**
 * sharedStoragesWritten for a worker: lookups of the same template, node, mode and storage while one is in
 * flight get its answer. The worker asks before a clone's start gate, once per job it takes, so a thousand jobs
 * taken together otherwise sent a thousand /cluster/resources reads (each listing every VM) and two template
 * config reads each at once: the worker's heap surged ~20 MiB and the reads held the connection pool the
 * clones' starts wait on.
 */
export function sharedStoragesLookup(deps: SharedStoragesDeps): (request: CloneRequest) => Promise<string[]> {
  const join = joinConcurrent();
  return (request) => {
    const { template, node, mode, storage } = request;
    return join(JSON.stringify([template, node, mode, storage ?? null]), () =>
      sharedStoragesWritten(deps, request),
    );
  };
}
