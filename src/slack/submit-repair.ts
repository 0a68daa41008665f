import { describeRepairPlan } from '../core/describe-repair-plan.ts';
import type { ProxmoxClient } from '../proxmox/types.ts';
import { planLiveRepair } from '../repair/plan-live-repair.ts';
import type { RepairQueue } from '../repair/repair-queue.ts';
import { renderNotice } from './messages/error-message.ts';
import { renderRepairRefusal } from './messages/repair-message.ts';
import { escapeMrkdwn } from './messages/slack-limits.ts';
import type { SlackMessage } from './messages/slack-message.ts';
import type { SlackMembership } from './slack-membership.ts';

/** What a Slack repair request needs (built by the composition root when repairs are enabled). */
export interface RepairSlackDeps {
  queue: RepairQueue;
  proxmox: ProxmoxClient;
  lockStuckMs: number;
  templateNodeIds?: ReadonlyMap<string, number> | undefined;
  now(): number;
}

/** One ask: which copy, who, where, and the VMID an approver confirmed may be replaced. */
export interface RepairAsk {
  base: number;
  node: string;
  confirmReplace?: number;
  userId: string;
  channel: string;
}

/**
 * A repair asked in Slack (`/clone health repair …` or a Repair button): the asker must be an approver (asked
 * of Slack now, not from a cache); the plan is made from the cluster as it is now and shown; a refusal says
 * why (a broken copy: how to confirm its VMID); a repair already running for that copy is answered with its
 * status and nothing is started. The answer goes to the asker only; progress goes to the channel.
 */
export async function submitRepair(
  deps: { repairs: RepairSlackDeps; membership: SlackMembership; approvers: readonly string[] },
  ask: RepairAsk,
): Promise<SlackMessage> {
  const approver = await deps.membership.check(deps.approvers, ask.userId, undefined, { fresh: true });
  if (approver !== 'yes')
    return renderNotice(
      approver === 'unknown'
        ? ':warning: Slack could not say whether you are an approver right now: try again in a minute.'
        : ':no_entry: Only approvers can repair templates.',
    );
  const r = deps.repairs;
  // A repair of this copy already queued or running (between its steps the cluster shows only its half-made
  // VM): answer with its status before planning, start nothing.
  const running = await r.queue.status(ask.base, ask.node);
  if (running !== undefined)
    return renderNotice(`:hourglass_flowing_sand: Nothing started: ${escapeMrkdwn(running)}`);
  const planned = await planLiveRepair(
    { proxmox: r.proxmox, now: r.now(), lockStuckMs: r.lockStuckMs, templateNodeIds: r.templateNodeIds },
    ask.base,
    ask.node,
    ask.confirmReplace,
  );
  if (!planned.ok) {
    const vmid = /confirms VMID (\d+)/.exec(planned.refusal.message)?.[1];
    const hint =
      planned.refusal.code === 'needs-confirmation' && vmid !== undefined
        ? `To destroy and replace it, type \`/clone health repair ${ask.base} on ${ask.node} replace ${vmid}\``
        : undefined;
    return renderRepairRefusal(planned.refusal, hint);
  }
  const queued = await r.queue.enqueue({
    base: ask.base,
    node: ask.node,
    requestedBy: ask.userId,
    channel: ask.channel,
    ...(ask.confirmReplace === undefined ? {} : { confirmReplace: ask.confirmReplace }),
  });
  if (!queued.queued)
    return renderNotice(`:hourglass_flowing_sand: Nothing started: ${escapeMrkdwn(queued.status)}`);
  const lines = describeRepairPlan(planned.plan).map((l) => `• ${escapeMrkdwn(l)}`);
  return renderNotice(
    `:hammer_and_wrench: Repair queued; progress follows in this channel.\n${lines.join('\n')}`,
  );
}

/** `repair 5 on pve2 [replace 9205]` → the ask's parts, or what to type instead. */
export function parseRepairArgs(
  args: readonly string[],
): { base: number; node: string; confirmReplace?: number } | string {
  const usage =
    'Use `/clone health repair <base> on <node>` (e.g. `/clone health repair 5 on pve2`), adding `replace <vmid>` to replace a broken copy.';
  const [base, on, node, replace, vmid, ...rest] = args;
  if (base === undefined || !/^\d{1,2}$/.test(base))
    return `'${base ?? ''}' is not a base id (0–99). ${usage}`;
  if (on !== 'on' || node === undefined || !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(node))
    return `Which node? ${usage}`;
  if (replace === undefined) return { base: Number(base), node };
  if (replace !== 'replace' || vmid === undefined || !/^\d{3,9}$/.test(vmid) || rest.length > 0)
    return `'${args.slice(3).join(' ')}' is not understood. ${usage}`;
  return { base: Number(base), node, confirmReplace: Number(vmid) };
}
