import { drivesToCopy } from './drives.ts';
import type { SimAuth } from './sim-auth.ts';
import type { SimState } from './sim-state.ts';

/** Which clone a one-shot fault applies to (default: the next clone of any template). */
export interface CloneFaultFilter {
  template?: number;
  node?: string;
}

/** A fault the next matching clone meets. */
export type CloneFault =
  | { kind: 'lock-timeout'; storage?: string }
  | { kind: 'fail'; message: string; atPercent: number }
  | { kind: 'hang' }
  | { kind: 'warnings'; count: number }
  | { kind: 'lose-response' }
  | { kind: 'vmid-clash'; node: string };

/** Flaky API: the next `count` requests matching method/path answer `status` (or lose the connection). */
export interface FlapSpec {
  method?: string;
  /** Matched against the path below /api2/json (a string matches as a substring). */
  path: RegExp | string;
  count: number;
  status: 500 | 502 | 503 | 'drop';
}

/** A fault the next matching migration meets: its copy of a local disk breaks off half-way. */
export interface MigrateFault {
  /** Only the copy of this volume (`local-lvm:vm-9205-disk-0`); default the first one copied. */
  volume?: string;
  atPercent: number;
  /** The line the broken copy logs before the task fails (ssh/pvesm's own words). */
  message: string;
}

interface PendingFault {
  filter: CloneFaultFilter;
  fault: CloneFault;
}

/** Faults a test injects into the simulator. One-shot clone faults are consumed by the next matching clone. */
export class SimFaults {
  private readonly pending: PendingFault[] = [];
  private readonly flaps: FlapSpec[] = [];
  private readonly migrateFaults: { vmid?: number; fault: MigrateFault }[] = [];
  readonly denied = new Set<string>();
  readonly offlineReasons = new Map<string, string>();

  constructor(
    private readonly state: SimState,
    private readonly auth: SimAuth,
  ) {}

  /** The template loses its disks (cloud-init and CD-ROMs stay) and boots from the network. */
  removeBootDisk(vmid: number): void {
    const vm = this.vm(vmid);
    for (const d of drivesToCopy(vm.config)) if (!d.cloudinit) delete vm.config[d.key];
    vm.config.boot = 'order=net0';
  }

  /** The template's boot disk is detached into `unused0` (what peers' users meet after a botched edit). */
  moveBootDiskToUnused(vmid: number): void {
    const vm = this.vm(vmid);
    const disk = drivesToCopy(vm.config).find((d) => !d.cloudinit && !d.key.startsWith('efidisk'));
    if (!disk) throw new Error(`VM ${vmid} has no disk to detach`);
    delete vm.config[disk.key];
    vm.config.unused0 = disk.volid;
    vm.config.boot = String(vm.config.boot ?? '').replace(new RegExp(`${disk.key};?`), '') || 'order=net0';
  }

  /** `boot: order=` with nothing in it. */
  emptyBootOrder(vmid: number): void {
    this.vm(vmid).config.boot = 'order=';
  }

  /** Sets a lock on a VM or template (e.g. `backup`), or removes it with undefined. */
  lockVm(vmid: number, lock: string | undefined): void {
    const vm = this.vm(vmid);
    if (lock === undefined) delete vm.config.lock;
    else vm.config.lock = lock;
  }

  /**
   * The VM is removed behind the bot's back, as by another admin's Remove in the web UI: its config is gone at
   * once (its volumes stay allocated here; only the config matters to what a test then sees).
   */
  removeVm(vmid: number): void {
    this.vm(vmid);
    this.state.removeVm(vmid);
  }

  /**
   * The VM's guest has no QEMU guest agent (its clones inherit the image): `agent: 1`, but it never answers.
   * `silent: false` lets it answer again (a guest still booting, for as long as a test needs).
   */
  silentGuestAgent(vmid: number, silent = true): void {
    this.vm(vmid).silentAgent = silent;
  }

  /** A `lock: clone` stub config left behind by a killed clone task. */
  stuckCloneStub(vmid: number, node: string): void {
    this.state.addVm({ vmid, node, config: { lock: 'clone' } });
  }

  /** The next clone's full copy cannot get the storage lock: `can't lock file … - got timeout`. */
  storageLockTimeout(filter: CloneFaultFilter & { storage?: string } = {}): void {
    const fault: CloneFault = { kind: 'lock-timeout' };
    if (filter.storage !== undefined) fault.storage = filter.storage;
    this.pending.push({ filter, fault });
  }

  /** The next clone fails mid-copy with `clone failed: <message>` at the given percent (default 40). */
  failClone(message: string, options: CloneFaultFilter & { atPercent?: number } = {}): void {
    this.pending.push({
      filter: options,
      fault: { kind: 'fail', message, atPercent: options.atPercent ?? 40 },
    });
  }

  /** The next clone's task never ends (until stopped); its VM keeps `lock: clone`. */
  hangClone(filter: CloneFaultFilter = {}): void {
    this.pending.push({ filter, fault: { kind: 'hang' } });
  }

  /** The next clone succeeds with `WARNINGS: count`. */
  cloneWarnings(count: number, filter: CloneFaultFilter = {}): void {
    this.pending.push({ filter, fault: { kind: 'warnings', count } });
  }

  /** The next clone POST starts the task, then the connection drops before the answer is sent. */
  loseCloneResponse(filter: CloneFaultFilter = {}): void {
    this.pending.push({ filter, fault: { kind: 'lose-response' } });
  }

  /** Right after the next clone POST is accepted, its new VMID appears on `node` (a race with another clone). */
  vmidClash(node: string, filter: CloneFaultFilter = {}): void {
    this.pending.push({ filter, fault: { kind: 'vmid-clash', node } });
  }

  /** The next `count` requests matching the method and path answer 5xx or lose their connection. */
  flap(spec: FlapSpec): void {
    this.flaps.push({ ...spec });
  }

  /** The node goes offline: requests routed to it answer 595 `reason` after the offline delay. */
  nodeOffline(node: string, reason = 'Connection refused'): void {
    const n = this.state.nodes.get(node);
    if (!n) throw new Error(`no node ${node}`);
    n.online = false;
    this.offlineReasons.set(node, reason);
  }

  /** The node is back. */
  nodeOnline(node: string): void {
    const n = this.state.nodes.get(node);
    if (n) n.online = true;
    this.offlineReasons.delete(node);
  }

  /** Every ticket issued so far expires now. */
  expireTickets(): void {
    this.auth.expireAll();
  }

  /** The 401 wording now played. */
  authWording(): 'old' | 'new' {
    return this.auth.wording;
  }

  /** Switches the bad-ticket 401 wording: 'old' (≤ 9.1.4) or 'new' (≥ 9.1.5). */
  ticketErrorWording(wording: 'old' | 'new'): void {
    this.auth.wording = wording;
  }

  /**
   * Takes a privilege away from everyone on `path` and everything below it (ACLs propagate):
   * `denyPrivilege('/vms/112', 'VM.Clone')` → 403; `denyPrivilege('/vms', 'VM.Allocate')` for every new VMID.
   */
  denyPrivilege(path: string, privilege: string): void {
    this.denied.add(`${path}|${privilege}`);
  }

  /** Whether `privilege` is denied on `path` or one of its parents (`/storage/ceph` ← `/storage` ← `/`). */
  isDenied(path: string, privilege: string): boolean {
    const parts = path.split('/').filter(Boolean);
    for (let i = parts.length; i >= 0; i--) {
      if (this.denied.has(`/${parts.slice(0, i).join('/')}|${privilege}`)) return true;
    }
    return false;
  }

  /** Kills a running task as a crash would: it ends with `unexpected status` and leaves its `lock: clone` stub. */
  killTask(upid: string): void {
    const task = this.state.tasks.get(upid);
    if (task?.status !== 'running') throw new Error(`no running task ${upid}`);
    task.abort.abort('kill');
    task.kill.abort('kill');
  }

  /**
   * The next migration (of `vmid`, or any) loses its disk copy at `atPercent` (default 50): the task ends
   * `migration aborted` after phase-1 cleanup, the VM stays on its node unlocked, the partial copy is freed.
   */
  failMigration(
    options: { vmid?: number; volume?: string; atPercent?: number; message?: string } = {},
  ): void {
    const fault: MigrateFault = {
      atPercent: options.atPercent ?? 50,
      message: options.message ?? 'client_loop: send disconnect: Broken pipe',
    };
    if (options.volume !== undefined) fault.volume = options.volume;
    this.migrateFaults.push(options.vmid === undefined ? { fault } : { vmid: options.vmid, fault });
  }

  /** Fills a storage (as seen from `node`) so that only `leaveBytes` stay free: the next volume on it does not fit. */
  fillStorage(storage: string, node: string, leaveBytes = 0): void {
    const s = this.state.storages.get(storage);
    if (!s) throw new Error(`no storage ${storage}`);
    const vols = this.state.volumesOf(storage, node);
    const used = [...vols.values()].reduce((a, b) => a + b, 0);
    vols.set('filler-disk', Math.max(0, s.total - used - leaveBytes));
  }

  /** Consumes the pending migration fault for a VM, if any. */
  takeMigrateFault(vmid: number): MigrateFault | undefined {
    const i = this.migrateFaults.findIndex((f) => f.vmid === undefined || f.vmid === vmid);
    if (i < 0) return undefined;
    return this.migrateFaults.splice(i, 1)[0]?.fault;
  }

  /** Removes pending one-shot faults and flaps. */
  clear(): void {
    this.migrateFaults.length = 0;
    this.pending.length = 0;
    this.flaps.length = 0;
    this.denied.clear();
  }

  /** Consumes the pending faults matching a clone (one of each kind at most). */
  takeCloneFaults(template: number, node: string): CloneFault[] {
    const taken: CloneFault[] = [];
    for (let i = 0; i < this.pending.length; ) {
      const p = this.pending[i] as PendingFault;
      const match =
        (p.filter.template === undefined || p.filter.template === template) &&
        (p.filter.node === undefined || p.filter.node === node) &&
        !taken.some((f) => f.kind === p.fault.kind);
      if (match) {
        taken.push(p.fault);
        this.pending.splice(i, 1);
      } else i++;
    }
    return taken;
  }

  /** Consumes one flap matching the request, if any. */
  takeFlap(method: string, path: string): FlapSpec['status'] | undefined {
    const flap = this.flaps.find(
      (f) =>
        f.count > 0 &&
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path)),
    );
    if (!flap) return undefined;
    flap.count--;
    return flap.status;
  }

  private vm(vmid: number) {
    const vm = this.state.vms.get(vmid);
    if (!vm) throw new Error(`no VM ${vmid}`);
    return vm;
  }
}
