import type { Clock } from '../../clock.ts';
import { isDriveKey, isUnusedKey, parseDrive } from './drives.ts';
import type { SimClusterSpec, SimNodeSpec, SimStorageSpec, SimVmConfig, SimVmSpec } from './types.ts';

/** A VM the simulator holds; `appearedAt` drives the /cluster/resources statistics lag. */
export interface SimVm {
  vmid: number;
  node: string;
  status: 'running' | 'stopped';
  config: SimVmConfig;
  appearedAt: number;
  /** When the VM last started running (simulated ms): its guest agent answers `agentStartMs` later. */
  startedAt?: number;
  /** The guest image has no QEMU guest agent: `agent: 1` in the config, but the agent never answers. */
  silentAgent?: boolean;
}

/** A simulated worker task. */
export interface SimTask {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  /** `clonebot@pve` (the user part; a token's name is in `tokenid`) */
  user: string;
  tokenid?: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
  log: string[];
  /** SIGTERM: the worker's own handlers run (clone_vm cleans up; before the copy, `received interrupt`). */
  abort: AbortController;
  /** SIGKILL of the worker's process group: whatever it was doing stops where it is. */
  kill: AbortController;
}

/** The cluster's state: nodes, storages with their volumes, VMs, pools and tasks. */
export class SimState {
  readonly nodes = new Map<string, SimNodeSpec & { online: boolean }>();
  readonly storages = new Map<string, SimStorageSpec>();
  readonly vms = new Map<number, SimVm>();
  readonly tasks = new Map<string, SimTask>();
  /** storage (shared) or `storage@node` (local) → volname → bytes */
  readonly volumes = new Map<string, Map<string, number>>();
  readonly pools = new Map<string, Set<number>>();
  /** Called synchronously after every change of a VM (created, config written, moved, removed). */
  readonly vmListeners = new Set<(vmid: number) => void>();
  readonly clusterName: string;
  readonly standalone: boolean;
  readonly nextIdRange: { lower: number; upper: number };

  constructor(
    spec: SimClusterSpec,
    private readonly clock: Clock,
    private readonly resourceLagMs: number,
  ) {
    this.clusterName = spec.name ?? 'cluster';
    this.standalone = spec.standalone ?? false;
    this.nextIdRange = spec.nextId ?? { lower: 100, upper: 1_000_000 };
    for (const n of spec.nodes) this.addNode(n);
    for (const s of spec.storages) this.addStorage(s);
    for (const p of spec.pools ?? []) this.pools.set(p, new Set());
    // Starting VMs have been around long enough for their statistics to be known.
    for (const vm of spec.vms) this.addVm(vm, this.clock.now() - this.resourceLagMs);
  }

  /** Adds (or replaces) a node. */
  addNode(node: SimNodeSpec): void {
    this.nodes.set(node.name, { ...node, online: node.online ?? true });
  }

  /** Adds (or replaces) a storage definition. */
  addStorage(storage: SimStorageSpec): void {
    this.storages.set(storage.storage, { ...storage, content: [...storage.content] });
  }

  /** Adds a VM and registers the volumes its config names. */
  addVm(spec: SimVmSpec, appearedAt = this.clock.now()): SimVm {
    const vm: SimVm = {
      vmid: spec.vmid,
      node: spec.node,
      status: spec.status ?? 'stopped',
      config: { ...spec.config },
      appearedAt,
    };
    if (vm.status === 'running') vm.startedAt = appearedAt;
    if (spec.silentAgent === true) vm.silentAgent = true;
    this.vms.set(vm.vmid, vm);
    this.vmChanged(vm.vmid);
    for (const [key, value] of Object.entries(vm.config)) {
      if (!isDriveKey(key) && !isUnusedKey(key)) continue;
      const d = parseDrive(key, String(value));
      if (d.storage === undefined || d.volname === undefined || (d.cdrom && !d.cloudinit)) continue;
      if (!this.storageOn(d.storage, vm.node)) continue;
      this.allocVolume(d.storage, vm.node, d.volname, d.size);
    }
    return vm;
  }

  /** Tells the listeners that a VM changed. */
  vmChanged(vmid: number): void {
    for (const listener of this.vmListeners) listener(vmid);
  }

  /** Removes a VM's config. */
  removeVm(vmid: number): void {
    this.vms.delete(vmid);
    this.vmChanged(vmid);
  }

  /** The storage if it exists and is enabled on the node. */
  storageOn(storage: string, node: string): SimStorageSpec | undefined {
    const s = this.storages.get(storage);
    if (!s || s.enabled === false) return undefined;
    if (s.nodes && !s.nodes.includes(node)) return undefined;
    return s;
  }

  private volumeKey(storage: string, node: string): string {
    return this.storages.get(storage)?.shared ? storage : `${storage}@${node}`;
  }

  /** The volumes of a storage as seen from a node. */
  volumesOf(storage: string, node: string): Map<string, number> {
    const key = this.volumeKey(storage, node);
    let vols = this.volumes.get(key);
    if (!vols) {
      vols = new Map();
      this.volumes.set(key, vols);
    }
    return vols;
  }

  allocVolume(storage: string, node: string, volname: string, size: number): void {
    this.volumesOf(storage, node).set(volname, size);
  }

  freeVolume(storage: string, node: string, volname: string): void {
    this.volumesOf(storage, node).delete(volname);
  }

  /** `vm-200-disk-N` with the first free N on that storage. */
  nextDiskName(storage: string, node: string, vmid: number): string {
    const vols = this.volumesOf(storage, node);
    for (let n = 0; ; n++) {
      const name = new RegExp(`(^|/)vm-${vmid}-disk-${n}(\\.\\w+)?$`);
      if (![...vols.keys()].some((v) => name.test(v))) return `vm-${vmid}-disk-${n}`;
    }
  }

  /** The lowest free VMID in the next-id range, or undefined. */
  nextFreeVmid(): number | undefined {
    for (let id = this.nextIdRange.lower; id < this.nextIdRange.upper; id++) {
      if (!this.vms.has(id)) return id;
    }
    return undefined;
  }

  /** Seconds since the epoch in simulated time (task starttime/endtime). */
  nowSeconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  /** Whether /cluster/resources already has statistics (name/status/template) for the VM. */
  statsKnown(vm: SimVm): boolean {
    return this.clock.now() - vm.appearedAt >= this.resourceLagMs;
  }
}
