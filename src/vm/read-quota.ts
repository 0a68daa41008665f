import { countQuotaUse, type QuotaUse } from '../core/quota.ts';
import { type ClonePolicy, policyFor, type TemplatePolicy } from '../core/template-policy.ts';
import type { ClusterVm } from '../proxmox/types.ts';
import type { CloneRequestRecord, RequestStore } from '../requests/types.ts';
import { findOurVms } from './find-our-vms.ts';
import type { VmLifecycleProxmox } from './types.ts';

/** Where a quota check reads the use: our VMs from Proxmox, the requests in flight from the request store. */
export interface QuotaDeps {
  proxmox: Pick<VmLifecycleProxmox, 'listClusterVms' | 'getVmConfig'>;
  /** Absent (the CLI, which keeps no requests): the VMs alone. */
  store?: Pick<RequestStore, 'listOpenByUser'>;
}

/** A quota to check: the template's rules, the owner's use, and the disk the new clone adds. */
export interface QuotaReading {
  policy: TemplatePolicy;
  use: QuotaUse;
  newDiskBytes: number;
}

/**
 * The template a request clones, as its record knows it: checked at submit (`templateVmid`), found by its
 * worker (checkpoint), or a VMID as typed (requests stored before `templateVmid`).
 */
export function recordedTemplateVmid(r: CloneRequestRecord): number | undefined {
  const ref = r.request.template;
  return r.templateVmid ?? r.checkpoint?.templateVmid ?? (ref.kind === 'vmid' ? ref.vmid : undefined);
}

/** The template an in-flight request clones, for its disk: as recorded, else its name looked up in `cluster`. */
function templateOf(r: CloneRequestRecord, cluster: readonly ClusterVm[]): number | undefined {
  const ref = r.request.template;
  const vmid = recordedTemplateVmid(r);
  if (vmid !== undefined || ref.kind !== 'name') return vmid;
  return cluster.find((v) => v.template && v.name === ref.name && v.node === r.request.node)?.vmid;
}

/**
 * Reads what the quota of `template` (CLONE_POLICY_FILE) holds `ownerId` to: every VM of theirs (one
 * /cluster/resources, one config read per `clonebot`-tagged VM) and every request of theirs in flight, each
 * with its template's disk size, a request whose VM already exists counted once. Undefined when the template
 * has no quota, after one cluster list. `exclude`: the request being decided (the new clone itself).
 */
export async function readQuota(
  deps: QuotaDeps,
  policy: ClonePolicy | undefined,
  ask: { ownerId: string; templateVmid: number; exclude?: string },
): Promise<QuotaReading | undefined> {
  if (policy === undefined) return undefined;
  const cluster = await deps.proxmox.listClusterVms();
  const template = cluster.find((vm) => vm.vmid === ask.templateVmid);
  const rules = policyFor(policy, {
    vmid: ask.templateVmid,
    ...(template?.name !== undefined ? { name: template.name } : {}),
  });
  if (rules.quota === undefined || Object.keys(rules.quota).length === 0) return undefined;
  const disks = new Map(cluster.map((vm) => [vm.vmid, vm.maxdisk ?? 0]));
  const size = (vmid: number | undefined) => (vmid === undefined ? 0 : (disks.get(vmid) ?? 0));
  const [found, open] = await Promise.all([
    // The list just read, not a second one.
    findOurVms({
      listClusterVms: async () => cluster,
      getVmConfig: (n, v) => deps.proxmox.getVmConfig(n, v),
    }),
    deps.store?.listOpenByUser(ask.ownerId) ?? [],
  ]);
  const mine = found.ours
    .filter((vm) => vm.ownership.ownerId === ask.ownerId)
    .map((vm) => ({ requestId: vm.ownership.requestId, diskBytes: vm.diskBytes ?? size(vm.vmid) }));
  const waiting = open.map((r) => ({ id: r.id, diskBytes: size(templateOf(r, cluster)) }));
  return {
    policy: rules,
    use: countQuotaUse(mine, waiting, ask.exclude),
    newDiskBytes: size(ask.templateVmid),
  };
}
