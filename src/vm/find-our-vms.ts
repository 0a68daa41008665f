import { inspectDisks } from '../core/boot-disk.ts';
import { listDiskEntries } from '../core/disk-entries.ts';
import { CLONEBOT_TAG, checkOurs } from '../core/vm-record.ts';
import { isProtected } from '../core/vm-protection.ts';
import { mapWithConcurrency } from '../health/map-with-concurrency.ts';
import { ProxmoxApiError } from '../proxmox/errors.ts';
import type { ClusterVm } from '../proxmox/types.ts';
import type { OurVm, StrangerVm, VmLifecycleProxmox } from './types.ts';

/** Our VMs and the `clonebot`-tagged ones whose record does not hold up. */
export interface FoundVms {
  ours: OurVm[];
  strangers: StrangerVm[];
}

/**
 * Finds our VMs from the VMs themselves (issue 10 item 2): one GET /cluster/resources?type=vm, then one config
 * read per VM tagged `clonebot` (never one per VM of the cluster). A VM is ours only when its description's
 * record and its owner tag agree (checkOurs); a VM gone between the two reads is skipped.
 */
export async function findOurVms(
  proxmox: Pick<VmLifecycleProxmox, 'listClusterVms' | 'getVmConfig'>,
): Promise<FoundVms> {
  const vms = await proxmox.listClusterVms();
  const tagged = vms.filter((vm) => vm.tags?.includes(CLONEBOT_TAG));
  const ours: OurVm[] = [];
  const strangers: StrangerVm[] = [];
  // A few reads in flight: 500 configs one after another would take ~10 s on a real cluster.
  for (const found of await mapWithConcurrency(tagged, 8, (vm) => readOne(proxmox, vm))) {
    if (found === undefined) continue;
    if ('why' in found) strangers.push(found);
    else ours.push(found);
  }
  return { ours, strangers };
}

/** One VM's config checked: ours, a stranger, or undefined when it no longer exists. */
export async function readOne(
  proxmox: Pick<VmLifecycleProxmox, 'getVmConfig'>,
  vm: Pick<ClusterVm, 'vmid' | 'node' | 'name' | 'status'>,
): Promise<OurVm | StrangerVm | undefined> {
  let config: Record<string, string | number>;
  try {
    config = await proxmox.getVmConfig(vm.node, vm.vmid);
  } catch (err) {
    if (err instanceof ProxmoxApiError && err.isNotFound()) return undefined;
    throw err;
  }
  const checked = checkOurs(config);
  const base = { vmid: vm.vmid, node: vm.node, ...(vm.name !== undefined ? { name: vm.name } : {}) };
  if (!checked.ok) return { ...base, why: checked.why };
  const our: OurVm = { ...base, status: vm.status, ownership: checked.ownership };
  if (typeof config.name === 'string') our.name = config.name;
  if (config.lock !== undefined) our.lock = String(config.lock);
  if (isProtected(config)) our.protected = true;
  if (typeof config.digest === 'string') our.digest = config.digest;
  const boot = inspectDisks(config).bootDisk;
  const size = listDiskEntries(config).find((d) => d.key === boot?.key)?.sizeBytes;
  if (size !== undefined) our.diskBytes = size;
  return our;
}
