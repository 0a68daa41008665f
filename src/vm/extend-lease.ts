import { formatDuration, formatInstant } from '../core/lease.ts';
import { vmDescription } from '../core/vm-record.ts';
import { ProxmoxApiError } from '../proxmox/errors.ts';
import { readOne } from './find-our-vms.ts';
import type { OurVm, VmLifecycleProxmox } from './types.ts';

export type ExtendOutcome =
  | { ok: true; vm: OurVm; expiresAt: number }
  | { ok: false; reason: string; needsApprover?: boolean };

/**
 * Moves a lease's end by `byMs` from its current end (or from now, if already past), within `maxLeaseMs` of
 * now unless an approver asks. Writes the description with the digest it was read with, so a concurrent edit
 * makes Proxmox refuse rather than be overwritten; a locked VM is refused by Proxmox (`VM is locked`).
 */
export async function extendLease(
  proxmox: Pick<VmLifecycleProxmox, 'getVmConfig' | 'updateVmConfig'>,
  target: { vmid: number; node: string },
  request: { byMs: number; now: number; maxLeaseMs: number; approver: boolean },
): Promise<ExtendOutcome> {
  if (!(request.byMs > 0)) return { ok: false, reason: 'An extension must be a positive duration: e.g. 2d' };
  const vm = await readOne(proxmox, { ...target, status: 'unknown' });
  if (vm === undefined) return { ok: false, reason: `VM ${target.vmid} no longer exists on ${target.node}` };
  if ('why' in vm)
    return {
      ok: false,
      reason: `VM ${target.vmid} is not a clonebot VM (or its record was changed): nothing extended`,
    };
  const from = Math.max(request.now, vm.ownership.expiresAt ?? request.now);
  const expiresAt = from + request.byMs;
  const limit = request.now + request.maxLeaseMs;
  if (expiresAt > limit && !request.approver)
    return {
      ok: false,
      needsApprover: true,
      reason: `That would end the lease on ${formatInstant(expiresAt)}, past the maximum of ${formatDuration(request.maxLeaseMs)} from now (${formatInstant(limit)}): extend by at most ${formatDuration(Math.max(0, limit - from))}, or ask an approver`,
    };
  const ownership = { ...vm.ownership, expiresAt, extensions: (vm.ownership.extensions ?? 0) + 1 };
  try {
    await proxmox.updateVmConfig(
      vm.node,
      vm.vmid,
      { description: vmDescription(ownership) },
      vm.digest !== undefined ? { digest: vm.digest } : {},
    );
  } catch (err) {
    const text = err instanceof ProxmoxApiError ? err.proxmoxMessage.trim() : (err as Error).message;
    return { ok: false, reason: `Proxmox refused the change: ${text}` };
  }
  return { ok: true, vm: { ...vm, ownership }, expiresAt };
}
