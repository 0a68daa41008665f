import type { KnownBlock } from '@slack/types';
import { formatDuration } from '../../core/format.ts';
import { CLONE_USAGE } from '../../core/parse-clone-command.ts';
import { escapeMrkdwn, SLACK_LIMITS, truncate } from './slack-limits.ts';
import type { SlackMessage } from './slack-message.ts';

/** One `/clone` subcommand as help lists it. */
export interface SubcommandHelp {
  usage: string;
  description: string;
}

/** `24 hours`, `2 days`, `90 minutes`: an approval TTL is set in round units, so say it that way. */
export function approvalTtl(ms: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (ms >= 2 * 86_400_000 && ms % 86_400_000 === 0) return unit(ms / 86_400_000, 'day');
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return unit(ms / 3_600_000, 'hour');
  if (ms >= 60_000 && ms % 60_000 === 0) return unit(ms / 60_000, 'minute');
  return formatDuration(ms);
}

/** `/clone help`: the grammar with examples, the subcommands, and how approval works here. */
export function renderHelp(opts: {
  subcommands: readonly SubcommandHelp[];
  requireApproval: boolean;
  approvalTtlMs: number;
}): SlackMessage {
  const approval = opts.requireApproval
    ? `Requests wait for an approver (someone else than you) to click *Approve*; undecided requests expire after ${approvalTtl(opts.approvalTtlMs)}.`
    : 'Requests are queued at once (no approval required in this workspace).';
  const subs = opts.subcommands.map((s) => `• \`${escapeMrkdwn(s.usage)}\` — ${escapeMrkdwn(s.description)}`);
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*Clone a Proxmox VM from a template*\n\`${escapeMrkdwn(CLONE_USAGE)}\`\n` +
            'Examples:\n• `/clone 112 as test-clone on pve1` (full clone of template 112)\n' +
            '• `/clone 5 as web-2 on pve2 linked` (base id 5 → that node’s copy, 9000 + node id × 100 + 5)\n' +
            '• `/clone ubuntu-22 as ci-runner on pve1 storage local-lvm pool ci`',
          SLACK_LIMITS.sectionText,
        ),
      },
    },
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*More*\n• \`/clone\` — open a form to fill in\n${subs.join('\n')}`,
          SLACK_LIMITS.sectionText,
        ),
      },
    },
    { type: 'context', elements: [{ type: 'mrkdwn', text: approval }] },
  ];
  return { text: `Usage: ${CLONE_USAGE}`, blocks };
}
