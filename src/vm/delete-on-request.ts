import { createAudit } from '../audit-log.ts';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { destroyOurVm } from './destroy-our-vm.ts';
import type { LeaseNotifier, OurVm, VmLifecycleProxmox } from './types.ts';

/** A person's delete, in the words they are answered with: deleted, already gone, or why not. */
export type DeleteOnRequestResult =
  | { ok: true; outcome: 'deleted' | 'gone'; text: string }
  | { ok: false; text: string };

/**
 * Stops and deletes one of our VMs because a person asked (`by`: a Slack user id, or the CLI's operator),
 * the same for `/clone delete`, Delete now and `pve-clonebot delete`: audited whatever happens; the owner is
 * DMed when it was deleted; a VM someone else removed first is said to be gone, not claimed deleted (and its
 * owner is not told a deletion by `by` that did not happen).
 */
export async function deleteOnRequest(
  deps: { proxmox: VmLifecycleProxmox; clock: Clock; logger: Logger; notifier: LeaseNotifier },
  vm: OurVm,
  by: string,
): Promise<DeleteOnRequestResult> {
  const outcome = await destroyOurVm({ proxmox: deps.proxmox, clock: deps.clock }, vm);
  const fields = { vmid: vm.vmid, node: vm.node, requestId: vm.ownership.requestId, by };
  const log = createAudit(deps.logger, deps.clock);
  const audit = (extra: Record<string, unknown>, msg: string) => log({ ...fields, ...extra }, msg);
  if (outcome.kind === 'refused' || outcome.kind === 'failed') {
    const text =
      outcome.kind === 'refused'
        ? outcome.reason
        : `Deleting VM ${vm.vmid} failed at the ${outcome.step}: ${outcome.message}`;
    audit({ reason: text }, `VM ${vm.vmid} not deleted`);
    return { ok: false, text };
  }
  const label = `VM ${vm.vmid} (${vm.name ?? 'unnamed'}) on ${vm.node}`;
  if (outcome.kind === 'gone') {
    audit({}, `VM ${vm.vmid} was already gone: nothing deleted`);
    return { ok: true, outcome: 'gone', text: `${label} was already gone: nothing was deleted.` };
  }
  audit({ upid: outcome.upid }, `VM ${vm.vmid} deleted on request`);
  await deps.notifier.deleted(vm, by);
  return { ok: true, outcome: 'deleted', text: `${label} was stopped and deleted.` };
}
