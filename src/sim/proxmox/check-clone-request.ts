import { paramError, permissionError, permissionFailure, serverError } from './api-error.ts';
import { drivesToCopy } from './drives.ts';
import type { SimFaults } from './sim-faults.ts';
import type { SimState } from './sim-state.ts';
import type { SimVmConfig } from './types.ts';
import { type ParamSchema, validateParams } from './validate-params.ts';

/** What a clone worker needs, decided before the UPID is returned. */
export interface ClonePlan {
  node: string;
  vmid: number;
  newid: number;
  name: string;
  full: boolean;
  source: SimVmConfig;
  target?: string;
  storage?: string;
  format?: string;
  pool?: string;
  description?: string;
}

const CLONE_SCHEMA: Record<string, ParamSchema> = {
  node: { type: 'string', format: 'pve-node' },
  vmid: { type: 'integer', format: 'pve-vmid', minimum: 100, maximum: 999_999_999 },
  newid: { type: 'integer', format: 'pve-vmid', minimum: 100, maximum: 999_999_999 },
  name: { type: 'string', optional: true, format: 'dns-name' },
  description: { type: 'string', optional: true, maxLength: 8192 },
  pool: { type: 'string', optional: true, format: 'pve-poolid' },
  snapname: { type: 'string', optional: true, format: 'pve-configid', maxLength: 40 },
  storage: { type: 'string', optional: true, format: 'pve-storage-id' },
  format: { type: 'string', optional: true, enum: ['raw', 'qcow2', 'vmdk'] },
  full: { type: 'boolean', optional: true },
  target: { type: 'string', optional: true, format: 'pve-node' },
  bwlimit: { type: 'integer', optional: true, minimum: 0 },
};

/**
 * The checks POST /nodes/{node}/qemu/{vmid}/clone makes before forking its worker, in Proxmox's order
 * (qemu-server `clone_vm`): schema (400) → privileges (403) → target/storage → source config and lock →
 * full/linked rules → shared storage for `target` → new VMID free on this node. Throws ApiError.
 */
export function checkCloneRequest(
  state: SimState,
  faults: SimFaults,
  params: Record<string, string>,
): ClonePlan {
  const p = validateParams(params, CLONE_SCHEMA);
  const node = p.node as string;
  const vmid = p.vmid as number;
  const newid = p.newid as number;
  const pool = p.pool as string | undefined;
  const storage = p.storage as string | undefined;
  const deny = (path: string, priv: string) => {
    if (faults.isDenied(path, priv)) throw permissionError(path, priv);
  };
  // The method's own permission check (qemu-server `clone_vm`, `permissions => { check => ['and',
  // ['perm', '/vms/{vmid}', ['VM.Clone']], ['or', ['perm', '/vms/{newid}', ['VM.Allocate']], ['perm',
  // '/pool/{pool}', ['VM.Allocate'], require_param => 'pool']]] }`): the `or` failing names no path.
  deny(`/vms/${vmid}`, 'VM.Clone');
  const allocateOnVm = !faults.isDenied(`/vms/${newid}`, 'VM.Allocate');
  const allocateOnPool = pool !== undefined && !faults.isDenied(`/pool/${pool}`, 'VM.Allocate');
  if (!allocateOnVm && !allocateOnPool) throw permissionFailure();
  // load_and_check: `$rpcenv->check_pool_exist($pool)` first, a 403 (pve-access-control RPCEnvironment).
  if (pool !== undefined && !state.pools.has(pool)) throw permissionFailure(`pool '${pool}' does not exist`);

  let target = p.target as string | undefined;
  if (target === node || target === 'localhost') target = undefined;
  if (target !== undefined && !state.nodes.has(target)) throw serverError(`no such cluster node '${target}'`);
  if (storage !== undefined) {
    // pve-storage `storage_check_enabled` → `storage_config`, `disable`, then `storage_check_node`.
    const scfg = state.storages.get(storage);
    if (!scfg) throw serverError(`storage '${storage}' does not exist`);
    if (scfg.enabled === false) throw serverError(`storage '${storage}' is disabled`);
    if (!state.storageOn(storage, node))
      throw serverError(`storage '${storage}' is not available on node '${node}'`);
    // `raise_param_exc({ storage => … })`: a 400 whose message is the generic one, the reason in `errors`.
    if (!scfg.content.includes('images'))
      throw paramError({ storage: `storage '${storage}' does not support vm images` });
    if (target !== undefined) {
      if (!state.storageOn(storage, target))
        throw serverError(`storage '${storage}' is not available on node '${target}'`);
      if (!scfg.shared) throw serverError(`can't clone to non-shared storage '${storage}'`);
    }
  }

  const vm = state.vms.get(vmid);
  if (!vm || vm.node !== node)
    throw serverError(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
  const conf = vm.config;
  if (conf.lock !== undefined) throw serverError(`VM is locked (${conf.lock})`);
  if (p.snapname !== undefined) throw serverError(`snapshot '${p.snapname}' does not exist`);
  const isTemplate = Number(conf.template ?? 0) === 1;
  const full = (p.full as boolean | undefined) ?? !isTemplate;
  if (storage !== undefined && !full) throw serverError("parameter 'storage' not allowed for linked clones");
  if (p.format !== undefined && !full) throw serverError("parameter 'format' not allowed for linked clones");

  for (const d of drivesToCopy(conf)) {
    const fullCopy = full || d.cloudinit || d.key === 'tpmstate0';
    if (!fullCopy && !linkedCloneable(state, d.storage, d.volname))
      throw serverError(`Linked clone feature is not supported for '${d.volid}' (${d.key})`);
  }
  // qemu-server `$check_storage_access_clone`: `sharedvm` from the SOURCE disks' storages (a `storage`
  // parameter does not change it), and Datastore.AllocateSpace on every non-CD-ROM disk's storage, the
  // `storage` parameter's when given (a linked clone has none: its source's storage).
  let sharedvm = true;
  for (const d of drivesToCopy(conf)) {
    if (!state.storages.get(d.storage ?? '')?.shared) sharedvm = false;
    // `drive_is_cdrom($drive)` without exclude_cloudinit: a cloud-init drive counts as a CD-ROM here.
    if (!d.cloudinit) deny(`/storage/${storage ?? d.storage}`, 'Datastore.AllocateSpace');
  }
  if (conf.vmstatestorage !== undefined) deny(`/storage/${conf.vmstatestorage}`, 'Datastore.AllocateSpace');
  // qemu-server `check_bridge_access` → pve-guest-common `check_vnet_access`: SDN.Use on the bridge (zone
  // `localnetwork` for a plain Linux bridge), on `…/<tag>` for a VLAN-tagged device.
  for (const [key, value] of Object.entries(conf).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!/^net\d+$/.test(key)) continue;
    const bridge = /(?:^|,)bridge=([^,]+)/.exec(String(value))?.[1];
    if (bridge === undefined) continue;
    const tag = /(?:^|,)tag=(\d+)/.exec(String(value))?.[1];
    const trunks = /(?:^|,)trunks=([\d;-]+)/.exec(String(value))?.[1];
    const zone = `/sdn/zones/localnetwork/${bridge}`;
    if (tag !== undefined) deny(`${zone}/${tag}`, 'SDN.Use');
    for (const t of trunks?.split(';') ?? []) deny(`${zone}/${t}`, 'SDN.Use');
    if (tag === undefined && trunks === undefined) deny(zone, 'SDN.Use');
  }
  for (const [key, value] of Object.entries(conf)) {
    // CD-ROMs with an ISO on local storage pin the VM to this node too.
    if (!/^(ide|sata|scsi)\d+$/.test(key) || !String(value).includes('media=cdrom')) continue;
    const sid = /^([^:,]+):/.exec(String(value))?.[1];
    if (sid !== undefined && !/cloudinit/.test(String(value)) && !state.storages.get(sid)?.shared)
      sharedvm = false;
  }
  if (target !== undefined && !sharedvm)
    throw serverError(`can't clone VM to node '${target}' (VM uses local storage)`);
  if (state.vms.get(newid)?.node === node)
    throw serverError(`unable to create VM ${newid}: config file already exists`);

  const plan: ClonePlan = {
    node,
    vmid,
    newid,
    full,
    name: (p.name as string | undefined) ?? `Copy-of-VM-${conf.name ?? vmid}`,
    source: { ...conf },
  };
  if (target !== undefined) plan.target = target;
  if (storage !== undefined) plan.storage = storage;
  if (p.format !== undefined) plan.format = p.format as string;
  if (pool !== undefined) plan.pool = pool;
  if (p.description !== undefined) plan.description = p.description as string;
  return plan;
}

/**
 * Whether a volume supports `clone` (a linked clone), by storage type (pve-storage `volume_has_feature`):
 * only a template's `base-` volume, on LVM-thin, ZFS, RBD, or a file-based storage (dir, NFS, CIFS, …:
 * `PVE::Storage::Plugin` lists `clone => { base => { qcow2, raw, vmdk } }`, the clone being a qcow2 overlay);
 * thick LVM and iSCSI have no `clone` feature.
 */
function linkedCloneable(state: SimState, storage: string | undefined, volname: string | undefined): boolean {
  const type = state.storages.get(storage ?? '')?.type ?? '';
  const base = /(^|\/)base-\d+-disk-\d+/.test(volname ?? '');
  const clonable = ['lvmthin', 'zfspool', 'rbd', 'dir', 'nfs', 'cifs', 'glusterfs', 'btrfs', 'cephfs'];
  return base && clonable.includes(type);
}
