import type { Clock } from '../clock.ts';
import { protectionRefusal } from '../core/vm-protection.ts';
import { ProxmoxApiError } from '../proxmox/errors.ts';
import { readOne } from './find-our-vms.ts';
import { followTask } from './follow-task.ts';
import type { OurVm, VmLifecycleProxmox } from './types.ts';

/** What a delete did: removed, refused before anything was sent (and why), or Proxmox's failure. */
export type DestroyOutcome =
  | { kind: 'deleted'; upid: string }
  | { kind: 'gone' }
  | { kind: 'refused'; reason: string }
  | { kind: 'failed'; step: 'stop' | 'destroy'; message: string };

const message = (err: unknown) =>
  err instanceof ProxmoxApiError ? err.proxmoxMessage.trim() || err.message : (err as Error).message;

/**
 * Stops and deletes one of our VMs, each step a task followed to its end: the config is read again first and
 * must still be ours with the same request (never a template, a stranger, a locked VM, or a VMID reused by
 * someone else since it was listed); then `qmstop` if it runs, then `DELETE ?purge=1&destroy-unreferenced-disks=1`
 * (`qmdestroy`, whose own lock check runs inside the task). Never breaks a lock, never sends skiplock.
 */
export async function destroyOurVm(
  deps: { proxmox: VmLifecycleProxmox; clock: Clock; taskTimeoutMs?: number; pollMs?: number },
  vm: Pick<OurVm, 'vmid' | 'node' | 'ownership'>,
): Promise<DestroyOutcome> {
  const { proxmox, clock } = deps;
  const follow = { timeoutMs: deps.taskTimeoutMs ?? 600_000, pollMs: deps.pollMs ?? 2000 };
  const now = await readOne(proxmox, { vmid: vm.vmid, node: vm.node, status: 'unknown' });
  if (now === undefined) return { kind: 'gone' };
  if ('why' in now)
    return {
      kind: 'refused',
      reason: `VM ${vm.vmid} is no longer ours to delete: ${describe(now.why.kind)}`,
    };
  if (now.ownership.requestId !== vm.ownership.requestId)
    return {
      kind: 'refused',
      reason: `VM ${vm.vmid} now belongs to request ${now.ownership.requestId}, not ${vm.ownership.requestId}`,
    };
  if (now.lock !== undefined)
    return {
      kind: 'refused',
      reason: `VM ${vm.vmid} is locked (${now.lock}): a lock is never broken; try again when the ${now.lock} has finished`,
    };
  // Proxmox would refuse the DELETE (check_protection): say so before stopping a VM we then cannot remove.
  if (now.protected) return { kind: 'refused', reason: protectionRefusal(vm.vmid) };
  try {
    const stop = await followTask(proxmox, clock, await proxmox.stopVm(vm.node, vm.vmid), follow);
    if (!stop.ended) return { kind: 'failed', step: 'stop', message: 'the stop task did not end in time' };
    if (!stop.ok) return { kind: 'failed', step: 'stop', message: stop.exitstatus };
  } catch (err) {
    if (err instanceof ProxmoxApiError && err.isNotFound()) return { kind: 'gone' };
    return { kind: 'failed', step: 'stop', message: message(err) };
  }
  try {
    const upid = await proxmox.destroyVm(vm.node, vm.vmid);
    const end = await followTask(proxmox, clock, upid, follow);
    if (!end.ended)
      return { kind: 'failed', step: 'destroy', message: 'the destroy task did not end in time' };
    if (!end.ok) return { kind: 'failed', step: 'destroy', message: end.exitstatus };
    return { kind: 'deleted', upid };
  } catch (err) {
    if (err instanceof ProxmoxApiError && err.isNotFound()) return { kind: 'gone' };
    return { kind: 'failed', step: 'destroy', message: message(err) };
  }
}

function describe(kind: string): string {
  return (
    (
      {
        template: 'it is a template',
        'no-tag': "its 'clonebot' tag is gone",
        'no-record': 'its clonebot record is gone',
        mismatch: 'its tags and lease record disagree',
      } as Record<string, string>
    )[kind] ?? kind
  );
}
