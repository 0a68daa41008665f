import { paramError, permissionError, serverError } from './api-error.ts';
import { drivesToCopy } from './drives.ts';
import type { SimFaults } from './sim-faults.ts';
import type { SimState } from './sim-state.ts';
import { type ParamSchema, validateParams } from './validate-params.ts';

/** What a migration worker needs, decided before the UPID is returned. */
export interface MigratePlan {
  node: string;
  vmid: number;
  target: string;
  /** source storage → target storage (`targetstorage`); a storage not named keeps its id. */
  storagemap: { default?: string; entries: Map<string, string>; identity: boolean };
  withLocalDisks: boolean;
}

// qemu-server src/PVE/API2/Qemu.pm `migrate_vm` parameters (the ones a stopped VM's offline migration uses).
const MIGRATE_SCHEMA: Record<string, ParamSchema> = {
  node: { type: 'string', format: 'pve-node' },
  vmid: { type: 'integer', format: 'pve-vmid', minimum: 100, maximum: 999_999_999 },
  target: { type: 'string', format: 'pve-node' },
  online: { type: 'boolean', optional: true },
  force: { type: 'boolean', optional: true },
  'with-local-disks': { type: 'boolean', optional: true },
  targetstorage: { type: 'string', optional: true },
  bwlimit: { type: 'integer', optional: true, minimum: 0 },
  'with-conntrack-state': { type: 'boolean', optional: true },
};

const STORAGE_ID = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;

/** pve-common JSONSchema.pm `parse_idmap`: `1` (identity), `target`, or `src:dst,src2:dst2[,default]`. */
function parseStorageMap(text: string): MigratePlan['storagemap'] {
  const map: MigratePlan['storagemap'] = { entries: new Map(), identity: false };
  if (text === '1') return { ...map, identity: true };
  for (const part of text.split(/[,;\s]+/).filter((p) => p !== '')) {
    const [src, dst] = part.split(':');
    if (dst === undefined) {
      if (map.default !== undefined || !STORAGE_ID.test(src ?? ''))
        throw paramError({ targetstorage: `failed to parse storage map: invalid map entry '${part}'\n` });
      map.default = src as string;
    } else if (!STORAGE_ID.test(src ?? '') || !STORAGE_ID.test(dst)) {
      throw paramError({ targetstorage: `failed to parse storage map: invalid map entry '${part}'\n` });
    } else map.entries.set(src as string, dst);
  }
  return map;
}

/** The target storage a volume on `sid` goes to (pve-common `map_id`). */
export function mapStorage(map: MigratePlan['storagemap'], sid: string): string {
  if (map.identity) return sid;
  return map.entries.get(sid) ?? map.default ?? sid;
}

/**
 * The checks POST /nodes/{node}/qemu/{vmid}/migrate makes before forking its `qmigrate` worker, in the order
 * of qemu-server `migrate_vm`: schema → VM.Migrate → `target is local node.` → node exists → root-only
 * options → config exists → `VM is locked (…)` → running without `online` → each target storage enabled on
 * the target node, Datastore.AllocateSpace and `images` content (`$check_storage_access_migrate`), or
 * without `targetstorage` every disk's own storage on the target (`check_storage_availability`).
 */
export function checkMigrateRequest(
  state: SimState,
  faults: SimFaults,
  params: Record<string, string>,
  user: string,
): MigratePlan {
  const p = validateParams(params, MIGRATE_SCHEMA);
  const node = p.node as string;
  const vmid = p.vmid as number;
  const target = p.target as string;
  if (faults.denied.has(`/vms/${vmid}|VM.Migrate`)) throw permissionError(`/vms/${vmid}`, 'VM.Migrate');
  if (target === node) throw paramError({ target: 'target is local node.' });
  if (!state.nodes.has(target)) throw serverError(`no such cluster node '${target}'`);
  if (p.force === true && user !== 'root@pam') throw paramError({ force: 'Only root may use this option.' });
  const vm = state.vms.get(vmid);
  if (!vm || vm.node !== node)
    throw serverError(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
  if (vm.config.lock !== undefined) throw serverError(`VM is locked (${vm.config.lock})`);
  if (vm.status === 'running') {
    if (p.online !== true) throw serverError("can't migrate running VM without --online");
    // Live migration (drive-mirror, RAM transfer) is not simulated: say so rather than pretend.
    throw serverError('simulator: live migration of a running VM is not simulated');
  }
  const storageOnTarget = (sid: string) => {
    if (state.storageOn(sid, target)) return;
    if (!state.storages.has(sid)) throw serverError(`storage '${sid}' does not exist`);
    throw serverError(`storage '${sid}' is not available on node '${target}'`);
  };
  const storagemap =
    p.targetstorage === undefined
      ? { entries: new Map<string, string>(), identity: true }
      : parseStorageMap(p.targetstorage as string);
  if (p.targetstorage !== undefined && !storagemap.identity) {
    for (const sid of [...storagemap.entries.values(), ...(storagemap.default ? [storagemap.default] : [])]) {
      storageOnTarget(sid);
      if (faults.denied.has(`/storage/${sid}|Datastore.AllocateSpace`))
        throw permissionError(`/storage/${sid}`, 'Datastore.AllocateSpace');
      if (!state.storages.get(sid)?.content.includes('images'))
        throw serverError(`storage '${sid}' does not support vm images`);
    }
  } else {
    for (const d of drivesToCopy(vm.config)) storageOnTarget(d.storage as string);
  }
  return { node, vmid, target, storagemap, withLocalDisks: p['with-local-disks'] === true };
}
