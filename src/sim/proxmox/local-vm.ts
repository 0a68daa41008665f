import { permissionError, serverError } from './api-error.ts';
import type { SimContext } from './route.ts';
import type { SimVm } from './sim-state.ts';

/** The VM on that node, as the node's own /etc/pve/nodes/<node>/qemu-server sees it (PVE::QemuConfig load_config). */
export function localVm(ctx: SimContext, node: string, vmid: string): SimVm {
  const vm = ctx.state.vms.get(Number(vmid));
  if (!vm || vm.node !== node || !/^\d+$/.test(vmid))
    throw serverError(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
  if (ctx.faults.denied.has(`/vms/${vm.vmid}|VM.Audit`)) throw permissionError(`/vms/${vm.vmid}`, 'VM.Audit');
  return vm;
}

/** Throws 403 `Permission check failed (/vms/N, PRIV)` when a test took the privilege away. */
export function checkVmPrivilege(ctx: SimContext, vm: SimVm, privilege: string): void {
  if (ctx.faults.denied.has(`/vms/${vm.vmid}|${privilege}`))
    throw permissionError(`/vms/${vm.vmid}`, privilege);
}
