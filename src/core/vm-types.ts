// VMs: domain types in our own terms; the Proxmox adapter (src/proxmox/map-responses.ts) maps its
// answers to them, and src/core/ reasons about them without knowing the adapter.

/** A VM config as Proxmox returns it: `scsi0: 'local-lvm:base-9000-disk-0,size=32G'`, `template: 1`, `lock: 'clone'`. */
export type VmConfig = Record<string, string | number>;

/** One VM (or template) from GET /cluster/resources?type=vm. `name`/`status`/`template` lag ~10 s behind; `lock` does not. */
export interface ClusterVm {
  vmid: number;
  node: string;
  name?: string;
  /** running | stopped | unknown (unknown for ~10 s after a VM appears) */
  status: string;
  template: boolean;
  lock?: string;
  maxdisk?: number;
  pool?: string;
  /** The config's tags (`clonebot;owner-alice` → ['clonebot', 'owner-alice']), read from the config like `lock`. */
  tags?: string[];
}
