import type { KnownBlock } from '@slack/types';
import type { CloneRequestRecord } from '../../requests/types.ts';
import { phaseLabel } from './progress-message.ts';
import { requestFields, requestSummary, slackDate } from './request-fields.ts';
import { requestStatusLine } from './request-message.ts';
import { escapeMrkdwn, SLACK_LIMITS, truncate } from './slack-limits.ts';
import type { SlackMessage } from './slack-message.ts';

/** `/clone status <id>`: one request's parameters, status, and last progress or result. */
export function renderRequestStatus(record: CloneRequestRecord): SlackMessage {
  const lines = [
    `*Request \`${record.id}\`* by <@${record.requester.userId}>, ${slackDate(record.createdAt)}`,
  ];
  lines.push(requestStatusLine(record));
  if (record.status === 'cloning' && record.lastProgress) {
    const p = record.lastProgress;
    lines.push(`${phaseLabel(p)}${p.percent !== undefined ? ` · ${Math.floor(p.percent)}%` : ''}`);
  }
  if (record.result && !record.result.ok && record.result.diagnosis.advice[0] !== undefined) {
    lines.push(`Next: ${escapeMrkdwn(truncate(record.result.diagnosis.advice[0], 500))}`);
  }
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(lines.join('\n'), SLACK_LIMITS.sectionText) },
      fields: requestFields(record),
    },
  ];
  return { text: `${record.id}: ${requestSummary(record)} — ${record.status}`, blocks };
}

/** `/clone status`: the user's recent requests, newest first (at most 20 lines). */
export function renderRecentRequests(records: readonly CloneRequestRecord[]): SlackMessage {
  if (records.length === 0) {
    const text = 'You have no recent clone requests. Start one with `/clone` or see `/clone help`.';
    return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
  }
  const lines = records
    .slice(0, 20)
    .map(
      (r) => `• \`${r.id}\` ${escapeMrkdwn(requestSummary(r))} — *${r.status}* · ${slackDate(r.createdAt)}`,
    );
  return {
    text: `Your ${records.length} recent clone request${records.length === 1 ? '' : 's'}`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: truncate(`*Your recent clone requests*\n${lines.join('\n')}`, SLACK_LIMITS.sectionText),
        },
      },
      { type: 'context', elements: [{ type: 'mrkdwn', text: 'Details: `/clone status <request-id>`' }] },
    ],
  };
}
