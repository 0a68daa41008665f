import type { ActionsBlock, KnownBlock } from '@slack/types';
import type { CloneRequestRecord } from '../../requests/types.ts';
import { SLACK_IDS } from '../slack-ids.ts';
import { requestFields, requestSummary, slackDate } from './request-fields.ts';
import { escapeMrkdwn, SLACK_LIMITS, truncate } from './slack-limits.ts';
import type { SlackMessage } from './slack-message.ts';

/** The status line under a request: who decided, and what happened since. */
export function requestStatusLine(record: CloneRequestRecord): string {
  const by = record.decidedBy !== undefined ? ` by <@${record.decidedBy}>` : '';
  const approvedBy =
    record.decidedBy !== undefined ? `approved by <@${record.decidedBy}>` : 'no approval required';
  const result = record.result;
  // Cancelled while the clone was already ending: the record keeps who tried, the status what happened.
  const canceller = record.cancelledBy;
  const late =
    canceller === undefined
      ? ''
      : ` — ${canceller === 'system' ? 'a cancel' : `cancel by <@${canceller}>`} came too late`;
  switch (record.status) {
    case 'pending':
      return `:hourglass_flowing_sand: *Waiting for approval* · expires ${slackDate(record.expiresAt)}`;
    case 'approved':
      return `:white_check_mark: *Approved*${by} · queued`;
    case 'cloning':
      return `:arrows_counterclockwise: *Cloning* (${approvedBy}) · progress in the thread`;
    case 'done':
      return `:large_green_circle: *Done*${result?.ok ? `: VM ${result.vmid} on ${result.node}` : ''} (${approvedBy})${late}`;
    case 'failed':
      return `:red_circle: *Failed*${
        result && !result.ok ? `: ${escapeMrkdwn(truncate(result.diagnosis.summary, 300))}` : ''
      }${late} · details in the thread`;
    case 'denied':
      return `:no_entry: *Denied*${by}${
        record.denyReason ? `: ${escapeMrkdwn(truncate(record.denyReason, 500))}` : ''
      }`;
    case 'cancelled':
      return `:heavy_multiplication_x: *Cancelled*${
        record.cancelledBy !== undefined ? ` by <@${record.cancelledBy}>` : ''
      }`;
    case 'expired':
      return ':alarm_clock: *Expired*: no approver decided in time. Ask again with `/clone`.';
  }
}

/** The request message posted in the channel (the thread parent); Approve/Deny buttons only while pending. */
export function renderRequestMessage(record: CloneRequestRecord): SlackMessage {
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: `:package: <@${record.requester.userId}> asks to clone a VM`,
      },
      fields: requestFields(record),
    },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: truncate(requestStatusLine(record), SLACK_LIMITS.sectionText) }],
    },
  ];
  if (record.status === 'pending') {
    blocks.push(decisionButtons(record.id, 'decision'));
  }
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `Request \`${record.id}\` · \`/clone status ${record.id}\`` }],
  });
  return {
    text: `Clone request ${record.id} by <@${record.requester.userId}>: ${requestSummary(record)} — ${record.status}`,
    blocks,
  };
}

/** The Approve / Deny buttons of a pending request; they carry only its id (the request lives in Redis). */
export function decisionButtons(requestId: string, blockId: string): ActionsBlock {
  return {
    type: 'actions',
    block_id: blockId,
    elements: [
      {
        type: 'button',
        action_id: SLACK_IDS.approve,
        text: { type: 'plain_text', text: 'Approve' },
        style: 'primary',
        value: requestId,
      },
      {
        type: 'button',
        action_id: SLACK_IDS.deny,
        text: { type: 'plain_text', text: 'Deny' },
        style: 'danger',
        value: requestId,
      },
    ],
  };
}
