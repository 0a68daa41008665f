import type { ModalView } from '@slack/types';
import { SLACK_IDS } from '../slack-ids.ts';

/** What the deny form carries to its submission. */
export interface DenyModalMetadata {
  requestId: string;
  channelId?: string;
  /** Opened from the App Home tab: the submission answers there instead of in the channel. */
  home?: boolean;
}

/** The small form Deny opens: an optional reason, shown to the requester. */
export function renderDenyModal(meta: DenyModalMetadata): ModalView {
  return {
    type: 'modal',
    callback_id: SLACK_IDS.denyModal,
    title: { type: 'plain_text', text: 'Deny clone request' },
    submit: { type: 'plain_text', text: 'Deny' },
    close: { type: 'plain_text', text: 'Back' },
    private_metadata: JSON.stringify(meta),
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `Deny request \`${meta.requestId}\`? The requester sees your reason.` },
      },
      {
        type: 'input',
        block_id: SLACK_IDS.denyReasonBlock,
        optional: true,
        label: { type: 'plain_text', text: 'Reason' },
        element: { type: 'plain_text_input', action_id: SLACK_IDS.value, multiline: true, max_length: 500 },
      },
    ],
  };
}
