import { paramError, serverError } from './api-error.ts';
import { isDriveKey, isUnusedKey, parseDrive } from './drives.ts';
import { checkVmPrivilege, localVm } from './local-vm.ts';
import type { RouteResult, SimContext } from './route.ts';
import type { Principal } from './sim-auth.ts';
import type { SimVm } from './sim-state.ts';
import { createTask, endTask } from './sim-tasks.ts';
import { validateParams } from './validate-params.ts';

/** How long removing one volume takes in the simulated `qmdestroy` (LVM lvremove, a qcow2 unlink). */
const REMOVE_VOLUME_MS = 300;

/**
 * qemu-server PVE/API2/Qemu.pm destroy_vm `$early_checks`: the config exists, protection is off
 * (AbstractConfig check_protection), the VM is not running. Run before the fork and again inside the task.
 */
function earlyChecks(ctx: SimContext, node: string, vmid: string): SimVm {
  const vm = localVm(ctx, node, vmid);
  if (Number(vm.config.protection ?? 0) === 1)
    throw serverError(`can't remove VM ${vm.vmid} - protection mode enabled`);
  if (vm.status === 'running') throw serverError(`VM ${vm.vmid} is running - destroy failed`);
  return vm;
}

/** The volumes the config references (disks, unusedN, cloud-init), as PVE::QemuServer::destroy_vm frees them. */
function ownedVolumes(vm: SimVm): [string, string][] {
  const out: [string, string][] = [];
  for (const [key, value] of Object.entries(vm.config)) {
    if (!isDriveKey(key) && !isUnusedKey(key)) continue;
    const d = parseDrive(key, String(value));
    if (d.storage === undefined || d.volname === undefined || (d.cdrom && !d.cloudinit)) continue;
    // Only volumes the VM owns: the owner is the last part's id (`base-112-disk-0/vm-200-disk-0` is 200's).
    const last = d.volname.split('/').pop() ?? '';
    if (!new RegExp(`^(vm|base)-${vm.vmid}-`).test(last)) continue;
    out.push([d.storage, d.volname]);
  }
  return out;
}

/**
 * DELETE /nodes/{node}/qemu/{vmid} (PVE/API2/Qemu.pm destroy_vm): parameters `purge`,
 * `destroy-unreferenced-disks`, `skiplock` (root only). Protection and a running VM are refused at once; the
 * lock is checked inside the `qmdestroy` task (PVE::QemuServer::destroy_vm check_lock), which then frees the
 * owned volumes (and with destroy-unreferenced-disks every `vm-<vmid>-*` volume on the node's enabled storages),
 * replaces the config by `lock: destroyed` alone, and only then removes it ("else we can have reuse race").
 */
export function destroyVm(
  ctx: SimContext,
  path: Record<string, string>,
  params: Record<string, string>,
  principal: Principal,
): RouteResult {
  const p = validateParams(params, {
    skiplock: { type: 'boolean', optional: true },
    purge: { type: 'boolean', optional: true },
    'destroy-unreferenced-disks': { type: 'boolean', optional: true },
  });
  if (p.skiplock === true && principal.user !== 'root@pam')
    throw paramError({ skiplock: 'Only root may use this option.' });
  const node = path.node as string;
  const vmid = path.vmid as string;
  const vm = localVm(ctx, node, vmid);
  checkVmPrivilege(ctx, vm, 'VM.Allocate');
  earlyChecks(ctx, node, vmid);
  const task = createTask(ctx.state, vm.node, 'qmdestroy', String(vm.vmid), principal);
  const run = async () => {
    try {
      await ctx.clock.sleep(100, ctx.closing);
      const current = earlyChecks(ctx, node, vmid);
      if (current.config.lock !== undefined && p.skiplock !== true)
        throw new Error(`VM is locked (${current.config.lock})`);
      if (Number(current.config.template ?? 0) === 1) {
        for (const other of ctx.state.vms.values()) {
          const base = Object.values(other.config).find((v) =>
            String(v).includes(`base-${current.vmid}-disk-`),
          );
          if (other.vmid !== current.vmid && base !== undefined)
            throw new Error(`base volume '${String(base).split(',')[0]}' is still in use by linked cloned`);
        }
      }
      const free = (storage: string, volname: string) => {
        ctx.state.freeVolume(storage, current.node, volname);
        // lvremove's own output; ZFS, RBD and file storages free a volume without a word.
        if (ctx.state.storages.get(storage)?.type.startsWith('lvm'))
          task.log.push(`  Logical volume "${volname.split('/').pop()}" successfully removed.`);
      };
      // The config stays as it was while the disks go (the task holds the config's file lock).
      for (const [storage, volname] of ownedVolumes(current)) {
        await ctx.clock.sleep(REMOVE_VOLUME_MS, ctx.closing);
        free(storage, volname);
      }
      if (p['destroy-unreferenced-disks'] === true) {
        for (const s of ctx.state.storages.values()) {
          if (!ctx.state.storageOn(s.storage, current.node)) continue;
          for (const volname of [...ctx.state.volumesOf(s.storage, current.node).keys()]) {
            if (!new RegExp(`(^|/)vm-${current.vmid}-`).test(volname) || volname.includes('base-')) continue;
            free(s.storage, volname);
          }
        }
      }
      // PVE::QemuServer::destroy_vm ends by writing the replacement config `{ lock => 'destroyed' }`, nothing
      // else in it; the API's worker removes that zombie only after access, firewall and purge cleanup.
      current.config = { lock: 'destroyed' };
      ctx.state.vmChanged(current.vmid);
      await ctx.clock.sleep(100, ctx.closing);
      if (p.purge === true) task.log.push(`purging VM ${current.vmid} from related configurations..`);
      for (const members of ctx.state.pools.values()) members.delete(current.vmid);
      ctx.state.removeVm(current.vmid);
      endTask(ctx.state, task, 'OK');
    } catch (err) {
      if (ctx.closing.aborted) return;
      endTask(ctx.state, task, (err as Error).message.replace(/\n$/, ''));
    }
  };
  void run();
  return { data: task.upid };
}
