import type { Clock } from '../../clock.ts';
import type { Logger } from '../../logger.ts';

/** A VM config as the simulator stores it (what GET …/config returns, minus `digest`). */
export type SimVmConfig = Record<string, string | number>;

/** One cluster node. `nodeid` is the corosync id (gaps allowed; 0 on a standalone host). */
export interface SimNodeSpec {
  name: string;
  nodeid: number;
  ip?: string;
  online?: boolean;
}

/** One storage definition (storage.cfg). `nodes` limits it to some nodes; shared storages are one pool. */
export interface SimStorageSpec {
  storage: string;
  /** lvmthin | lvm | dir | rbd | nfs | zfspool … */
  type: string;
  /** e.g. ['images', 'rootdir'] */
  content: string[];
  shared: boolean;
  /** Bytes. */
  total: number;
  nodes?: string[];
  enabled?: boolean;
}

/** One VM or template to start with. Volumes named in its config are registered on their storages. */
export interface SimVmSpec {
  vmid: number;
  node: string;
  config: SimVmConfig;
  status?: 'running' | 'stopped';
  /** The guest has no QEMU guest agent installed (clones inherit it): the agent never answers. */
  silentAgent?: boolean;
}

/** The cluster the simulator starts with. `standalone` = a single host without corosync (nodeid 0). */
export interface SimClusterSpec {
  name?: string;
  standalone?: boolean;
  nodes: SimNodeSpec[];
  storages: SimStorageSpec[];
  vms: SimVmSpec[];
  pools?: string[];
  /** datacenter.cfg next-id range. */
  nextId?: { lower: number; upper: number };
}

/** An API token the simulator accepts: `id` is `USER@REALM!TOKENID`. */
export interface SimToken {
  id: string;
  secret: string;
}

/** A user (for ticket auth). */
export interface SimUser {
  username: string;
  password: string;
}

/** The release lines the simulator can play. */
export type PveVersion = '8.4' | '9';

/** Options of startProxmoxSim; every duration is in simulated milliseconds of `clock`. */
export interface ProxmoxSimOptions {
  clock?: Clock;
  port?: number;
  host?: string;
  cluster?: SimClusterSpec;
  /** Delay of auth-layer 401s (real: 3 s). */
  authDelayMs?: number;
  tokens?: SimToken[];
  users?: SimUser[];
  /** How long name/status/template lag in /cluster/resources after a VM appears (real: ~10 s). */
  resourceLagMs?: number;
  /** How long a clone waits for a storage lock before `got timeout` (real: 10 s). */
  storageLockTimeoutMs?: number;
  /** How many may hold one storage's lock at once (real: 1, it is exclusive). */
  storageLockConcurrency?: number;
  /**
   * How long creating one new volume takes under the storage lock (default 100 ms; thick LVM, Ceph under load
   * or a slow NFS server take seconds). Only slow allocation makes parallel clones time out on the lock.
   */
  storageAllocMs?: number;
  /**
   * How long freeing one new volume takes when a clone fails or is stopped (default 100 ms). Ceph `rbd rm` of
   * a large image or a slow NFS server take seconds: with a stop, a cleanup past 5 s is cut off by SIGKILL.
   */
  volumeFreeMs?: number;
  /** Full-copy speed in bytes per simulated second (default 200 MiB/s). */
  copyBytesPerSecond?: number;
  /** Ticket lifetime (real: 2 h). */
  ticketLifetimeMs?: number;
  /** How long a request to an offline node takes before it answers 595. */
  offlineDelayMs?: number;
  /**
   * The release line played (default '9'): `/version`, and where they differ the clone log (PVE 9's qemu-server
   * logs `allocated target volume '<volid>'` after each new volume, 8.4's does not).
   */
  pveVersion?: PveVersion;
  /** Error bodies carry `message` (pve-http-server ≥ 5.2, default); false plays an older server: reason phrase only. */
  errorBodyMessage?: boolean;
  /**
   * 401 wording: 'new' (PVE ≥ 8.4.17 / ≥ 9.1.5, default) `Authentication failed!` for every bad token or ticket;
   * 'old' `permission denied - invalid PVE ticket`, `invalid token value!`, `no such token …`.
   */
  ticketErrorWording?: 'old' | 'new';
  /** How long a `qmstart` task takes to bring a VM up (default 2 s). */
  bootMs?: number;
  /** How long after the start task ends the guest agent answers (the guest boots; default 20 s). */
  agentStartMs?: number;
  /** The node the API is reached on (`local: 1` in /cluster/status); default the first node. */
  apiNode?: string;
  logger?: Logger;
}

/** A running simulator task (read-only view). */
export interface SimTaskView {
  upid: string;
  node: string;
  type: string;
  id: string;
  user: string;
  starttime: number;
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
  log: readonly string[];
}

/** A VM as the simulator holds it (read-only view). */
export interface SimVmView {
  vmid: number;
  node: string;
  status: 'running' | 'stopped';
  config: SimVmConfig;
}

/** A storage with its volumes (read-only view); local storages have one entry per node. */
export interface SimStorageView {
  storage: string;
  node?: string;
  type: string;
  shared: boolean;
  volumes: Record<string, number>;
}
