import type { NotOurs, VmOwnership } from '../core/vm-record.ts';
import type { ClusterVm, ProxmoxClient, ProxmoxVmClient } from '../proxmox/types.ts';

/** What the VM lifecycle needs from Proxmox: the cluster list, configs, tasks, power and destroy. */
export type VmLifecycleProxmox = Pick<ProxmoxClient, 'listClusterVms' | 'getVmConfig' | 'getTaskStatus'> &
  Pick<ProxmoxVmClient, 'updateVmConfig' | 'stopVm' | 'destroyVm' | 'getGuestInterfaces'>;

/** A VM of ours, as found from /cluster/resources and its config. */
export interface OurVm {
  vmid: number;
  node: string;
  name?: string;
  status: string;
  lock?: string;
  /** `protection: 1`: Proxmox refuses to remove it. */
  protected?: boolean;
  ownership: VmOwnership;
  /**
   * Its boot disk's size from its config: what /cluster/resources reports as `maxdisk`, which a VM made in the
   * last ~10 s does not have yet (its statistics lag).
   */
  diskBytes?: number;
  /** The config digest it was read with (a later write refuses a changed config). */
  digest?: string;
}

/** A VM tagged `clonebot` that is not (provably) ours: reported, never touched. */
export interface StrangerVm {
  vmid: number;
  node: string;
  name?: string;
  why: NotOurs;
}

/** Who hears about lease events: the owner by DM (and the audit log, written by the caller). */
export interface LeaseNotifier {
  /**
   * Before expiry: the owner may extend (within the maximum) or delete now. True when a DM went out, false
   * when there is nobody to DM (an owner who is not a Slack user, no Slack at all); rejects when the DM failed,
   * so the sweep tries again (as `refused`).
   */
  expiring(vm: OurVm, maxExpiresAt: number): Promise<boolean>;
  /** The lease ended and the VM is gone. */
  expired(vm: OurVm, outcome: string): Promise<void>;
  extended(vm: OurVm, newExpiresAt: number, by: string): Promise<void>;
  deleted(vm: OurVm, by: string): Promise<void>;
  /**
   * A VM the sweep would have deleted but must not (lock, template, disagreeing record): for the owner/admins.
   * True when a DM went out (the audit line's `ownerTold`), false when there is nobody to DM; rejects when the
   * DM failed.
   */
  refused(vm: Pick<ClusterVm, 'vmid' | 'node' | 'name'>, reason: string, ownerId?: string): Promise<boolean>;
}

/** A notifier that tells nobody (the CLI without Slack); the audit log still has every event. */
export const silentLeaseNotifier: LeaseNotifier = {
  expiring: async () => false,
  expired: async () => undefined,
  extended: async () => undefined,
  deleted: async () => undefined,
  refused: async () => false,
};
