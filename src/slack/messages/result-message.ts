import type { KnownBlock, SectionBlock } from '@slack/types';
import { describeReadiness, readyAsAsked } from '../../core/describe-readiness.ts';
import { failureHeadline } from '../../core/failure-headline.ts';
import { formatDuration } from '../../core/format.ts';
import type { CloneFailure, CloneSuccess } from '../../core/types.ts';
import type { CloneRequestRecord } from '../../requests/types.ts';
import { renderLeftoverBlocks } from './leftover-vm-message.ts';
import { templateLabel } from './request-fields.ts';
import { codeBlock, escapeMrkdwn, SLACK_LIMITS, truncate } from './slack-limits.ts';
import type { SlackMessage } from './slack-message.ts';

/** The VM's page in the Proxmox web UI. */
export function proxmoxVmUrl(proxmoxUiUrl: string, vmid: number): string {
  return `${proxmoxUiUrl.replace(/\/+$/, '')}/#v1:0:=qemu%2F${vmid}:4:::::::`;
}

function fields(pairs: [string, string | undefined][]): NonNullable<SectionBlock['fields']> {
  return pairs
    .filter((p): p is [string, string] => p[1] !== undefined && p[1] !== '')
    .slice(0, SLACK_LIMITS.fieldsPerSection)
    .map(([k, v]) => ({ type: 'mrkdwn', text: truncate(`*${k}*\n${v}`, SLACK_LIMITS.fieldText) }));
}

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } };
}

/** The success reply: VMID, name, node, mode, storage, duration and a link to the VM in Proxmox. */
export function renderSuccessMessage(
  record: CloneRequestRecord,
  result: CloneSuccess,
  proxmoxUiUrl: string,
): SlackMessage {
  const url = proxmoxVmUrl(proxmoxUiUrl, result.vmid);
  // Not "ready" when the start asked for failed or the owner record is missing: the lines below say why.
  const asAsked = readyAsAsked(result.vm);
  const vm = `VM ${result.vmid} \`${escapeMrkdwn(result.name)}\``;
  const blocks: KnownBlock[] = [
    section(
      asAsked
        ? `:white_check_mark: <@${record.requester.userId}> *${vm} is ready* on ${escapeMrkdwn(result.node)}`
        : `:warning: <@${record.requester.userId}> *${vm} was cloned, but not as asked* on ${escapeMrkdwn(result.node)}`,
    ),
    {
      type: 'section',
      fields: fields([
        ['VMID', String(result.vmid)],
        ['Name', escapeMrkdwn(result.name)],
        ['Node', escapeMrkdwn(result.node)],
        ['Mode', result.mode === 'full' ? 'full clone' : 'linked clone'],
        ['Storage', result.storage !== undefined ? escapeMrkdwn(result.storage) : 'same as template'],
        ['Pool', result.pool !== undefined ? escapeMrkdwn(result.pool) : undefined],
        ['Duration', formatDuration(result.durationMs)],
        ['Template', templateLabel(record.request.template, result.templateVmid)],
        ['Boot disk', result.bootDisk],
      ]),
    },
    section(`<${url}|Open VM ${result.vmid} in the Proxmox web UI>`),
  ];
  const after = describeReadiness(result.vmid, result.vm);
  if (after.length > 0) blocks.splice(2, 0, section(after.map((l) => escapeMrkdwn(l)).join('\n')));
  if (result.warnings !== undefined && result.warnings > 0) {
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `:warning: Proxmox finished the task with ${result.warnings} warning${result.warnings === 1 ? '' : 's'}: check the task log.`,
        },
      ],
    });
  }
  const ips = [...(result.vm?.ipv4 ?? []), ...(result.vm?.ipv6 ?? [])];
  return {
    text: asAsked
      ? `VM ${result.vmid} ${result.name} is ready on ${result.node}${ips.length > 0 ? ` (${ips.join(', ')})` : ''}`
      : `VM ${result.vmid} ${result.name} was cloned on ${result.node}, but not as asked`,
    blocks,
  };
}

/**
 * The reply to a clone someone cancelled: who, what Proxmox did, and a VM left behind if any. Short: the
 * person asked for it, so no advice or evidence.
 */
function renderCancelledMessage(
  record: CloneRequestRecord,
  result: CloneFailure,
  by: string,
  proxmoxUiUrl: string,
): SlackMessage {
  const d = result.diagnosis;
  const vm = result.vmid !== undefined ? `VM ${result.vmid}` : 'the new VM';
  const what =
    result.upid === undefined && d.taskExitStatus === undefined
      ? 'before the clone started: nothing was created'
      : `Proxmox stopped the task${d.newVmConfig === 'removed' ? `; ${vm} was removed` : ''}`;
  const blocks: KnownBlock[] = [
    section(`:heavy_multiplication_x: *Cancelled by <@${by}>*: ${escapeMrkdwn(what)}`),
  ];
  if (d.leftover)
    blocks.push(...renderLeftoverBlocks(record, d.leftover, proxmoxVmUrl(proxmoxUiUrl, d.leftover.vmid)));
  return { text: `${record.request.name}: cancelled by <@${by}>: ${what}`, blocks };
}

/**
 * The failure reply: the why first, then what to do, then the evidence (exit status, task log tail, the new
 * VM's config) in trimmed code blocks; names a VM left behind, with a button for approvers to delete it.
 */
export function renderFailureMessage(
  record: CloneRequestRecord,
  result: CloneFailure,
  proxmoxUiUrl: string,
): SlackMessage {
  const d = result.diagnosis;
  const cancelled = d.reason === 'cancelled';
  if (cancelled && record.cancelledBy !== undefined)
    return renderCancelledMessage(record, result, record.cancelledBy, proxmoxUiUrl);
  const headline = failureHeadline(d);
  const blocks: KnownBlock[] = [
    section(
      `${cancelled ? ':heavy_multiplication_x:' : ':x:'} <@${record.requester.userId}> *${escapeMrkdwn(truncate(headline, 2000))}*`,
    ),
  ];
  if (d.advice.length > 0) {
    const advice = d.advice.slice(0, 10).map((a) => `• ${escapeMrkdwn(truncate(a, 500))}`);
    blocks.push(section(`*What to do*\n${advice.join('\n')}`));
  }
  // No reason code (`clone-rejected`): the headline says why in words.
  const facts = fields([
    [
      'Task exit status',
      d.taskExitStatus !== undefined ? escapeMrkdwn(truncate(d.taskExitStatus, 1000)) : undefined,
    ],
    [
      'Template check',
      d.templateCheck !== undefined ? escapeMrkdwn(truncate(d.templateCheck, 1000)) : undefined,
    ],
    ['Storage', d.storage !== undefined ? escapeMrkdwn(truncate(d.storage, 1000)) : undefined],
    ['Duration', formatDuration(result.durationMs)],
    ['Task', result.upid !== undefined ? `\`${escapeMrkdwn(truncate(result.upid, 300))}\`` : undefined],
  ]);
  blocks.push({ type: 'section', fields: facts });
  if (d.leftover)
    blocks.push(...renderLeftoverBlocks(record, d.leftover, proxmoxVmUrl(proxmoxUiUrl, d.leftover.vmid)));
  if (d.taskLogTail && d.taskLogTail.length > 0) {
    const head = '*Task log (last lines)*\n';
    blocks.push(section(head + codeBlock(d.taskLogTail, SLACK_LIMITS.sectionText - head.length)));
  }
  if (d.newVmConfig === 'removed') {
    blocks.push(section('*New VM*: Proxmox removed it (its cleanup after a failed clone).'));
  } else if (d.newVmConfig !== undefined) {
    const head = '*New VM config*\n';
    // cloud-init passwords live in VM configs: never repeat them in a channel.
    const lines = Object.entries(d.newVmConfig).map(([k, v]) =>
      /pass|secret|token/i.test(k) ? `${k}: [redacted]` : `${k}: ${v}`,
    );
    blocks.push(section(head + codeBlock(lines, SLACK_LIMITS.sectionText - head.length)));
  }
  return {
    text: truncate(`${record.request.name}: ${headline}`, 3000),
    blocks,
  };
}
