import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { deleteLeftover } from '../../delete-leftover.ts';
import type { SlackServices } from '../../slack-services.ts';
import { tellClicker } from './tell-clicker.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** "Delete VM N" under a failure reply: ack, then hand over; a refusal is told only to the clicker. */
export function deleteVmAction(s: SlackServices) {
  const busy = new Set<string>();
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const channel = body.channel?.id ?? body.container?.channel_id;
    const ts = body.message?.ts;
    const clicked = typeof channel === 'string' && typeof ts === 'string' ? { channel, ts } : undefined;
    const outcome = await deleteLeftover(s, busy, action.value ?? '', body.user.id, clicked);
    if (outcome.clicker !== undefined) await tellClicker(s, client, body, outcome.clicker);
  };
}
