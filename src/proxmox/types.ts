/**
 * The Proxmox adapter's vocabulary: what the rest of pve-clonebot knows about Proxmox, in our own terms.
 * Only `src/proxmox/` talks HTTP to Proxmox; everything else receives a `ProxmoxClient`.
 */

// The domain types live in src/core/ (pure); re-exported here so the adapter's callers keep one import.
import type { ClusterStatus, NodeInfo } from '../core/cluster-types.ts';
import type { StorageInfo } from '../core/storage-types.ts';
import type { ClusterTask, TaskLog, TaskStatus } from '../core/task-types.ts';
import type { ClusterVm, VmConfig } from '../core/vm-types.ts';

export type { ClusterStatus, ClusterTask, ClusterVm, NodeInfo, StorageInfo, TaskLog, TaskStatus, VmConfig };

/** POST /nodes/{node}/qemu/{vmid}/clone in our terms. `full` is always sent explicitly (templates default to linked). */
export interface CloneParams {
  node: string;
  templateVmid: number;
  newid: number;
  name: string;
  full: boolean;
  target?: string;
  storage?: string;
  pool?: string;
  description?: string;
}

/** POST /nodes/{node}/qemu/{vmid}/migrate for a stopped VM (offline): its local disks go to `targetstorage`. */
export interface MigrateParams {
  node: string;
  vmid: number;
  target: string;
  targetstorage?: string;
  /** Sent as `with-local-disks=1`: local disks are copied (always so offline; needed for a running VM). */
  withLocalDisks?: boolean;
}

/** Which of a node's tasks to list (GET /nodes/{node}/tasks filters); at most `limit` (default 50). */
export interface NodeTaskFilter {
  typefilter?: string;
  vmid?: number;
  /** Unix seconds: only tasks started at or after. */
  since?: number;
  limit?: number;
}

/** The one interface the rest of the program uses to reach Proxmox. */
export interface ProxmoxClient {
  /** USER@REALM!TOKENID or USER@REALM, as in the UPIDs of our tasks; absent for clients that cannot tell. */
  readonly user?: string;
  /** GET …/qemu/{vmid}/config; throws ProxmoxApiError when the VM does not exist. */
  getVmConfig(node: string, vmid: number): Promise<VmConfig>;
  /** Like getVmConfig, but `undefined` when Proxmox says the config file does not exist. */
  findVmConfig(node: string, vmid: number): Promise<VmConfig | undefined>;
  listClusterVms(): Promise<ClusterVm[]>;
  listNodes(): Promise<NodeInfo[]>;
  getClusterStatus(): Promise<ClusterStatus>;
  listStorages(node: string): Promise<StorageInfo[]>;
  /** GET /cluster/nextid (a string on the wire) as a number. Reserves nothing. */
  nextVmid(): Promise<number>;
  /** GET /cluster/nextid?vmid=N: false when a VM N exists anywhere in the cluster. */
  isVmidFree(vmid: number): Promise<boolean>;
  /**
   * Sends the clone POST exactly once and returns the UPID. After an ambiguous failure (network error,
   * timeout, 5xx without a Proxmox message) it finds out whether the clone started (a qmclone task for the
   * template, or a VM with the new id) and returns that task's UPID, or throws CloneNotStartedError when
   * it provably did not start; it never re-sends the POST itself.
   */
  startClone(params: CloneParams): Promise<string>;
  /** Polls the node named in the UPID. */
  getTaskStatus(upid: string): Promise<TaskStatus>;
  getTaskLog(upid: string, start?: number, limit?: number): Promise<TaskLog>;
  /** DELETE …/tasks/{upid}: the clone then cleans up and fails with `interrupted by signal`. */
  stopTask(upid: string): Promise<void>;
  /**
   * DELETE /nodes/{node}/qemu/{vmid} (`qm destroy`: the config and the disks it references) and returns the
   * `qmdestroy` task's UPID. Sent exactly once, never resent (a write); no `skiplock` (Proxmox refuses a
   * locked VM, and we never break a lock), no `destroy-unreferenced-disks` (it scans every storage for
   * `vm-<vmid>-*` volumes, which on storage shared between clusters may be another cluster's).
   */
  deleteVm(node: string, vmid: number): Promise<string>;
  /**
   * GET /cluster/tasks: running tasks and the last few finished ones (25 per node in all). A token without
   * Sys.Audit on `/` sees none of its own there; look on the node (listNodeTasks) for a task that matters.
   */
  listClusterTasks(): Promise<ClusterTask[]>;
  /**
   * GET /nodes/{node}/tasks?source=all: the node's running tasks and its whole archive, newest first; a token
   * sees its own tasks without Sys.Audit. `vmid` is the task's id (for qmclone, the SOURCE VM).
   */
  listNodeTasks(node: string, filter: NodeTaskFilter): Promise<ClusterTask[]>;
  /** POST …/migrate (a `qmigrate` task on the source node); sent exactly once, never resent (a write). */
  migrateVm(params: MigrateParams): Promise<string>;
  /** POST …/template (a `qmtemplate` task): converts a stopped VM to a template; sent exactly once. */
  convertToTemplate(node: string, vmid: number): Promise<string>;
}

/** One guest interface as the QEMU guest agent reports it (network-get-interfaces), in our terms. */
export interface GuestInterface {
  name: string;
  mac?: string;
  addresses: { address: string; family: 'ipv4' | 'ipv6'; prefix: number }[];
}

/**
 * What the VM lifecycle (start, cloud-init, owner tags, leases) needs beyond cloning. Separate from
 * ProxmoxClient so that test doubles of the clone engine need not grow. Writes are sent exactly once.
 */
export interface ProxmoxVmClient {
  /**
   * PUT …/qemu/{vmid}/config (synchronous). Values are sent as given: `sshkeys` must already be URL-encoded
   * (Proxmox's `urlencoded` format). `digest` refuses the write when the config changed since it was read.
   * Proxmox refuses a locked VM (`VM is locked (…)`).
   */
  updateVmConfig(
    node: string,
    vmid: number,
    changes: Record<string, string | number>,
    options?: { digest?: string; delete?: string[] },
  ): Promise<void>;
  /** POST …/status/start: the `qmstart` task's UPID (the checks run inside the task). */
  startVm(node: string, vmid: number): Promise<string>;
  /** POST …/status/stop: the `qmstop` task's UPID (hard stop; a stopped VM is a no-op). */
  stopVm(node: string, vmid: number): Promise<string>;
  /**
   * GET …/agent/network-get-interfaces. Throws ProxmoxApiError 500 `QEMU guest agent is not running` while the
   * guest boots (or has no agent), `No QEMU guest agent configured` without `agent` in the config.
   */
  getGuestInterfaces(node: string, vmid: number): Promise<GuestInterface[]>;
  /**
   * DELETE …/qemu/{vmid}?purge=1&destroy-unreferenced-disks=1: the lease's end (issue 10 item 3) removes the VM
   * from backup/replication/HA jobs and every `vm-<vmid>-*` volume. Returns the `qmdestroy` UPID; the lock is
   * checked inside that task, protection and a running VM are refused at once.
   */
  destroyVm(node: string, vmid: number): Promise<string>;
}
