import type { KnownBlock } from '@slack/types';
import { formatDuration, formatInstant } from '../../core/lease.ts';
import type { OurVm } from '../../vm/types.ts';
import { SLACK_IDS } from '../slack-ids.ts';
import { escapeMrkdwn, SLACK_LIMITS, truncate } from './slack-limits.ts';
import type { SlackMessage } from './slack-message.ts';

/** How much one Extend click adds. */
export const EXTEND_STEP_MS = 86_400_000;

/** A VM as the buttons carry it: `vmid:node:requestId` (the request id makes a reused VMID not match). */
export function vmButtonValue(vm: Pick<OurVm, 'vmid' | 'node' | 'ownership'>): string {
  return `${vm.vmid}:${vm.node}:${vm.ownership.requestId}`;
}

/** Reads a button value back; undefined when it is not one of ours. */
export function parseVmButtonValue(
  value: string,
): { vmid: number; node: string; requestId: string } | undefined {
  const m = /^(\d{3,9}):([A-Za-z0-9][A-Za-z0-9-]{0,62}):(cr-[a-z0-9]{8}|[A-Za-z0-9_.:-]{1,64})$/.exec(value);
  return m ? { vmid: Number(m[1]), node: m[2] as string, requestId: m[3] as string } : undefined;
}

const section = (text: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) },
});

/** The Extend and Delete now buttons for one VM. */
export function leaseButtons(vm: Pick<OurVm, 'vmid' | 'node' | 'ownership'>, blockId?: string): KnownBlock {
  const value = vmButtonValue(vm);
  return {
    type: 'actions',
    ...(blockId !== undefined ? { block_id: blockId } : {}),
    elements: [
      {
        type: 'button',
        action_id: SLACK_IDS.leaseExtend,
        text: { type: 'plain_text', text: `Extend ${formatDuration(EXTEND_STEP_MS)}` },
        value,
      },
      {
        type: 'button',
        action_id: SLACK_IDS.leaseDelete,
        style: 'danger',
        text: { type: 'plain_text', text: 'Delete now' },
        value,
        confirm: {
          title: { type: 'plain_text', text: `Delete VM ${vm.vmid}?` },
          text: {
            type: 'plain_text',
            text: 'It is stopped and deleted with its disks. This cannot be undone.',
          },
          confirm: { type: 'plain_text', text: 'Delete' },
          deny: { type: 'plain_text', text: 'Keep it' },
        },
      },
    ],
  };
}

const vmLabel = (vm: Pick<OurVm, 'vmid' | 'name'>) =>
  `VM ${vm.vmid}${vm.name ? ` \`${escapeMrkdwn(vm.name)}\`` : ''}`;

/** The DM before a lease ends: when, how far it may be extended, and the two buttons. */
export function renderLeaseExpiring(vm: OurVm, maxExpiresAt: number): SlackMessage {
  const end = vm.ownership.expiresAt ?? 0;
  return {
    text: `${vm.name ?? `VM ${vm.vmid}`}: lease ends ${formatInstant(end)}`,
    blocks: [
      section(
        `:alarm_clock: *${vmLabel(vm)}* on ${escapeMrkdwn(vm.node)}: its lease ends *${formatInstant(end)}*; then it is stopped and deleted.`,
      ),
      section(
        `You can extend it up to ${formatInstant(maxExpiresAt)} (an approver can go further), or delete it now if you are done.`,
      ),
      leaseButtons(vm),
    ],
  };
}

/** A one-line DM (expired, extended, deleted, refused). */
export function renderLeaseNotice(emoji: string, text: string): SlackMessage {
  return { text, blocks: [section(`${emoji} ${escapeMrkdwn(text)}`)] };
}

/** One VM row for /clone list and App Home: VM, node, state, IP, owner, expiry. */
export function vmLine(vm: OurVm, ips: readonly string[] | undefined, now: number): string {
  const end = vm.ownership.expiresAt;
  const lease =
    end === undefined
      ? 'no lease'
      : end <= now
        ? `lease ended ${formatInstant(end)}`
        : `until ${formatInstant(end)} (${formatDuration(end - now)} left)`;
  const ip =
    ips === undefined ? '' : ips.length > 0 ? ` · ${ips.map(escapeMrkdwn).join(', ')}` : ' · no address';
  const lock = vm.lock === undefined ? '' : ` · :lock: ${escapeMrkdwn(vm.lock)}`;
  return `*${vmLabel(vm)}* on ${escapeMrkdwn(vm.node)} · ${escapeMrkdwn(vm.status)}${lock}${ip} · <@${vm.ownership.ownerId}> · ${lease}`;
}

/** /clone list: one section per VM (with buttons when the viewer may act), within Slack's block limit. */
export function renderVmList(
  vms: readonly { vm: OurVm; ips?: string[]; canAct: boolean }[],
  now: number,
  heading: string,
): SlackMessage {
  const blocks: KnownBlock[] = [section(`*${escapeMrkdwn(heading)}* (${vms.length})`)];
  if (vms.length === 0)
    blocks.push(section('No VMs. Ask for one: `/clone 112 as web1 on pve1 start for 3d`'));
  const room = Math.floor((SLACK_LIMITS.blocksPerMessage - 2) / 2);
  for (const { vm, ips, canAct } of vms.slice(0, room)) {
    blocks.push(section(vmLine(vm, ips, now)));
    if (canAct) blocks.push(leaseButtons(vm, `lease-${vm.vmid}`));
  }
  if (vms.length > room) blocks.push(section(`…and ${vms.length - room} more: see pve-clonebot list`));
  return { text: `${heading}: ${vms.length} VM${vms.length === 1 ? '' : 's'}`, blocks };
}
