import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { approveRequest } from '../../decide-request.ts';
import type { SlackServices } from '../../slack-services.ts';
import { refreshHome, tellClicker } from './tell-clicker.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * Approve (on a request message or in the App Home tab): works from the request id alone; re-checks the
 * clicker on the server, approves atomically, updates the request message and queues; a refusal is told only to them.
 */
export function approveAction(s: SlackServices) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const outcome = await approveRequest(s, action.value ?? '', body.user.id);
    if (!outcome.ok) await tellClicker(s, client, body, outcome.message);
    else await refreshHome(s, client, body);
  };
}
