import { createAudit } from '../audit-log.ts';
import { formatInstant } from '../core/lease.ts';
import { maxLeaseForRecord } from '../core/template-policy.ts';
import { deleteOnRequest } from '../vm/delete-on-request.ts';
import { extendLease } from '../vm/extend-lease.ts';
import { findOurVms } from '../vm/find-our-vms.ts';
import { reachableAddresses } from '../vm/guest-addresses.ts';
import type { OurVm } from '../vm/types.ts';
import { createSlackLeaseNotifier } from './slack-lease-notifier.ts';
import type { SlackServices } from './slack-services.ts';

/** A VM named by the user: its VMID or its name (among our VMs only). */
export type VmRef = { vmid: number } | { name: string } | { vmid: number; node: string; requestId: string };

export type VmActionResult = { ok: true; text: string } | { ok: false; text: string };

const NOT_SET_UP = 'VM management is not set up on this bot (no Proxmox access for the Slack side).';

async function isApprover(s: SlackServices, userId: string): Promise<boolean> {
  return (await s.membership.check(s.config.approvers, userId)) === 'yes';
}

/** Parses `/clone delete 205` or `/clone delete web1`. */
export function parseVmRef(word: string | undefined): VmRef | undefined {
  if (word === undefined || word === '') return undefined;
  if (/^\d{3,9}$/.test(word)) return { vmid: Number(word) };
  return /^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$/.test(word) ? { name: word } : undefined;
}

/** Finds one of our VMs by reference; a name shared by several VMs asks for the VMID. */
async function resolve(s: SlackServices, ref: VmRef): Promise<{ vm: OurVm } | { error: string }> {
  const proxmox = s.vmLifecycle;
  if (!proxmox) return { error: NOT_SET_UP };
  const { ours } = await findOurVms(proxmox);
  const matches = ours.filter((vm) =>
    'name' in ref
      ? vm.name === ref.name
      : vm.vmid === ref.vmid && (!('node' in ref) || vm.ownership.requestId === ref.requestId),
  );
  if (matches.length === 0)
    return {
      error: `There is no clonebot VM ${'name' in ref ? `named ${ref.name}` : ref.vmid}: \`/clone list\` shows yours.`,
    };
  if (matches.length > 1)
    return {
      error: `Several VMs are named ${'name' in ref ? ref.name : ref.vmid}: give the VMID (see \`/clone list\`).`,
    };
  return { vm: matches[0] as OurVm };
}

const notifier = (s: SlackServices) => s.leaseNotifier ?? createSlackLeaseNotifier(s.client, s.logger);

const audit = (s: SlackServices, fields: Record<string, unknown>, msg: string) =>
  createAudit(s.logger, s.clock)(fields, msg);

/** `/clone list` (mine) and `/clone list all` (approvers): our VMs with state, addresses, owner and lease. */
export async function listVms(
  s: SlackServices,
  userId: string,
  all: boolean,
): Promise<
  { ok: false; text: string } | { ok: true; rows: { vm: OurVm; ips?: string[]; canAct: boolean }[] }
> {
  const proxmox = s.vmLifecycle;
  if (!proxmox) return { ok: false, text: NOT_SET_UP };
  const approver = await isApprover(s, userId);
  if (all && !approver)
    return { ok: false, text: '`/clone list all` is for approvers; `/clone list` shows your own VMs.' };
  const { ours } = await findOurVms(proxmox);
  const shown = ours.filter((vm) => all || vm.ownership.ownerId === userId).sort((a, b) => a.vmid - b.vmid);
  const rows = [];
  for (const vm of shown) {
    let ips: string[] | undefined;
    if (vm.status === 'running') {
      try {
        const r = reachableAddresses(await proxmox.getGuestInterfaces(vm.node, vm.vmid));
        ips = [...r.ipv4, ...r.ipv6];
      } catch {
        ips = undefined; // no agent (yet): the address is simply not shown
      }
    }
    rows.push({
      vm,
      ...(ips !== undefined ? { ips } : {}),
      canAct: vm.ownership.ownerId === userId || approver,
    });
  }
  return { ok: true, rows };
}

/** `/clone extend <vm> <duration>` and the Extend button: the owner within the maximum, approvers beyond. */
export async function extendVm(
  s: SlackServices,
  userId: string,
  ref: VmRef,
  byMs: number,
): Promise<VmActionResult> {
  const found = await resolve(s, ref);
  if ('error' in found) return { ok: false, text: found.error };
  const { vm } = found;
  const approver = await isApprover(s, userId);
  if (vm.ownership.ownerId !== userId && !approver)
    return {
      ok: false,
      text: `VM ${vm.vmid} is <@${vm.ownership.ownerId}>'s: only its owner or an approver can extend it.`,
    };
  const proxmox = s.vmLifecycle;
  if (!proxmox) return { ok: false, text: NOT_SET_UP };
  const r = await extendLease(proxmox, vm, {
    byMs,
    now: s.clock.now(),
    maxLeaseMs: maxLeaseForRecord(s.cloneConfig.policy, vm.ownership.template),
    approver,
  });
  if (!r.ok) return { ok: false, text: r.reason };
  audit(
    s,
    {
      vmid: vm.vmid,
      node: vm.node,
      requestId: vm.ownership.requestId,
      by: userId,
      expiresAt: new Date(r.expiresAt).toISOString(),
    },
    `lease of VM ${vm.vmid} extended`,
  );
  await notifier(s).extended(r.vm, r.expiresAt, userId);
  return { ok: true, text: `VM ${vm.vmid}: lease extended to ${formatInstant(r.expiresAt)}.` };
}

/**
 * The VMs being deleted in this process, one set for `/clone delete` and every Delete now button (DM, App Home,
 * `/clone list`). With a set each, both ran on one VM at once: Proxmox's config lock keeps the disks from being
 * freed twice, but the second asker is told of a failure for a VM that was deleted (its re-read meets
 * `lock: destroyed` or a config without our tag, or its `qmdestroy` waits for the first's lock and then finds
 * no config), and it is audited as not deleted.
 */
const deleting = new Set<number>();

/** `/clone delete <vm>` and the Delete now button: the owner or an approver, then deleteOnRequest (as the CLI's delete). */
export async function deleteVm(s: SlackServices, userId: string, ref: VmRef): Promise<VmActionResult> {
  const found = await resolve(s, ref);
  if ('error' in found) return { ok: false, text: found.error };
  const { vm } = found;
  // A refusal is audited like a deletion: who asked to delete which VM, and why it was not done.
  const refuse = (text: string): VmActionResult => {
    audit(
      s,
      { vmid: vm.vmid, node: vm.node, requestId: vm.ownership.requestId, by: userId, reason: text },
      `VM ${vm.vmid} not deleted`,
    );
    return { ok: false, text };
  };
  if (vm.ownership.ownerId !== userId && !(await isApprover(s, userId)))
    return refuse(
      `VM ${vm.vmid} is <@${vm.ownership.ownerId}>'s: only its owner or an approver can delete it.`,
    );
  const proxmox = s.vmLifecycle;
  if (!proxmox) return { ok: false, text: NOT_SET_UP };
  if (deleting.has(vm.vmid)) return refuse(`VM ${vm.vmid} is already being deleted.`);
  deleting.add(vm.vmid);
  try {
    return await deleteOnRequest(
      { proxmox, clock: s.clock, logger: s.logger, notifier: notifier(s) },
      vm,
      userId,
    );
  } finally {
    deleting.delete(vm.vmid);
  }
}
