import type { KnownBlock } from '@slack/types';
import { repairButtonValue } from '../../core/repair-target.ts';
import { SLACK_IDS } from '../slack-ids.ts';

/**
 * An actions block of Repair buttons, one per base and node (at most 25, Slack's limit per block); none for
 * no targets. Approvers only: the click is checked again, whoever sees the button.
 */
export function repairButtons(targets: readonly { base: number; node: string }[]): KnownBlock[] {
  if (targets.length === 0) return [];
  return [
    {
      type: 'actions',
      elements: targets.slice(0, 25).map((t) => ({
        type: 'button',
        action_id: `${SLACK_IDS.healthRepair}:${repairButtonValue(t)}`,
        text: { type: 'plain_text', text: `Repair base ${t.base} on ${t.node}` },
        value: repairButtonValue(t),
      })),
    },
  ];
}
