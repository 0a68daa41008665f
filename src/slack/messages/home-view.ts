import type { HomeView, KnownBlock } from '@slack/types';
import type { CloneRequestRecord, RequestStatus } from '../../requests/types.ts';
import type { OurVm } from '../../vm/types.ts';
import { slackDate, templateLabel } from './request-fields.ts';
import { decisionButtons } from './request-message.ts';
import { escapeMrkdwn, SLACK_LIMITS, truncate } from './slack-limits.ts';
import { leaseButtons, vmLine } from './vm-messages.ts';

/** What the Home tab shows one user; `pending` is undefined for non-approvers (or when that is unknown). */
export interface HomeViewInput {
  /** The user's own requests, newest first. */
  recent: readonly CloneRequestRecord[];
  /** Requests waiting for a decision, oldest first: shown with Approve/Deny to approvers only. */
  pending?: readonly CloneRequestRecord[];
  /** True when Slack could not say whether the user is an approver (pending requests are then not shown). */
  approverUnknown?: boolean;
  /** A line (mrkdwn, our own text) for the user at the top, e.g. why a click from this tab changed nothing. */
  notice?: string;
  /** The user's VMs (issue 10): state, address, lease, with Extend / Delete now. Absent: not shown. */
  vms?: readonly { vm: OurVm; ips?: string[]; canAct: boolean }[];
  /** When the view was built (clock ms). */
  now: number;
  /** Whose tab this is: their own pending requests get no Approve/Deny (approving your own is refused). */
  viewerId?: string;
}

const STATUS: Record<RequestStatus, string> = {
  pending: ':hourglass_flowing_sand: Waiting for approval',
  approved: ':white_check_mark: Approved, queued',
  cloning: ':arrows_counterclockwise: Cloning',
  done: ':large_green_circle: Done',
  failed: ':red_circle: Failed',
  denied: ':no_entry: Denied',
  cancelled: ':heavy_multiplication_x: Cancelled',
  expired: ':alarm_clock: Expired',
};

/** How many of the user's own requests the tab lists. */
export const HOME_RECENT_LIMIT = 10;

/** `112 → web-01 on pve1`, escaped. */
function what(record: CloneRequestRecord): string {
  const r = record.request;
  return escapeMrkdwn(`${templateLabel(r.template)} → ${r.name} on ${r.node}`);
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } };
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) }] };
}

function recentLine(record: CloneRequestRecord): string {
  const vm = record.status === 'done' && record.result?.ok ? ` · VM ${record.result.vmid}` : '';
  return `${STATUS[record.status]}${vm} · ${what(record)} · ${slackDate(record.createdAt)} · \`${record.id}\``;
}

function pendingBlocks(record: CloneRequestRecord, viewerId: string | undefined): KnownBlock[] {
  const mode = record.request.mode === 'full' ? 'full clone' : 'linked clone';
  const asked = `asked ${slackDate(record.createdAt)}, expires ${slackDate(record.expiresAt)} · \`${record.id}\``;
  if (record.requester.userId === viewerId)
    return [
      section(`*Your request* for ${what(record)} (${mode}) · ${asked}`),
      context(`Another approver decides; \`/clone cancel ${record.id}\` withdraws it.`),
    ];
  return [
    section(`<@${record.requester.userId}> asks for ${what(record)} (${mode}) · ${asked}`),
    decisionButtons(record.id, `home-decision-${record.id}`),
  ];
}

/**
 * The App Home tab: the user's recent requests and, for approvers, the requests waiting for a decision with
 * the same Approve/Deny buttons as the request messages. Never more than Slack's 100 blocks: pending requests
 * that do not fit are counted instead.
 */
export function renderHomeView(input: HomeViewInput): HomeView {
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: 'Clone requests' } }];
  if (input.notice !== undefined) blocks.push(section(`:information_source: ${input.notice}`));
  blocks.push(section('*Your recent requests*'));
  const recent = input.recent.slice(0, HOME_RECENT_LIMIT);
  if (recent.length === 0) blocks.push(context('None yet: type `/clone` in a channel to ask for a VM.'));
  for (const record of recent) blocks.push(section(recentLine(record)));
  if (input.vms !== undefined) {
    blocks.push({ type: 'divider' }, section(`*Your VMs* (${input.vms.length})`));
    if (input.vms.length === 0)
      blocks.push(context('None. `/clone 112 as web1 on pve1 start for 3d` asks for one.'));
    const shownVms = input.vms.slice(0, 10);
    for (const row of shownVms) {
      blocks.push(section(vmLine(row.vm, row.ips, input.now)));
      if (row.canAct) blocks.push(leaseButtons(row.vm, `home-lease-${row.vm.vmid}`));
    }
    if (input.vms.length > shownVms.length)
      blocks.push(
        context(`…and ${input.vms.length - shownVms.length} more: \`/clone list\` shows them all.`),
      );
  }
  if (input.approverUnknown) {
    blocks.push(
      { type: 'divider' },
      context(
        ":warning: I couldn't check the approver group with Slack just now: open this tab again in a minute.",
      ),
    );
  } else if (input.pending !== undefined) {
    blocks.push({ type: 'divider' }, section(`*Waiting for a decision* (${input.pending.length})`));
    if (input.pending.length === 0) blocks.push(context('Nothing is waiting for an approver.'));
    // Two blocks per request; two kept back for the "more" line and the footer.
    const room = Math.floor((SLACK_LIMITS.blocksPerModal - blocks.length - 2) / 2);
    const shown = input.pending.slice(0, room);
    for (const record of shown) blocks.push(...pendingBlocks(record, input.viewerId));
    const more = input.pending.length - shown.length;
    if (more > 0)
      blocks.push(context(`…and ${more} more: decide the oldest first, or use the channel messages.`));
  }
  blocks.push(context(`Updated ${slackDate(input.now)} · \`/clone help\` for commands`));
  return { type: 'home', blocks };
}
