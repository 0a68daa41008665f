import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { checkDecider, denyRequest } from '../../decide-request.ts';
import { renderDenyModal } from '../../messages/deny-modal.ts';
import type { SlackServices } from '../../slack-services.ts';
import { fromHome, refreshHome, tellClicker } from './tell-clicker.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** Deny: checks the clicker, then opens a small form for an optional reason (denies without one if it cannot). */
export function denyAction(s: SlackServices) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const id = action.value ?? '';
    const check = await checkDecider(s, id, body.user.id, 'deny');
    if (!check.ok) {
      await tellClicker(s, client, body, check.message);
      return;
    }
    if (check.record.status !== 'pending') {
      // Nothing to ask a reason for: let the transition explain what happened instead.
      const outcome = await denyRequest(s, id, body.user.id, undefined);
      if (!outcome.ok) await tellClicker(s, client, body, outcome.message);
      else await refreshHome(s, client, body);
      return;
    }
    try {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: renderDenyModal({
          requestId: id,
          channelId: check.record.channelId,
          ...(fromHome(body) ? { home: true } : {}),
        }),
      });
    } catch (err) {
      // The trigger expired (a slow group lookup): the click itself says "deny", so deny without a reason.
      s.logger.warn(
        { requestId: id, err: String(err) },
        'could not open the deny form; denying without a reason',
      );
      const outcome = await denyRequest(s, id, body.user.id, undefined);
      if (!outcome.ok) await tellClicker(s, client, body, outcome.message);
      else await refreshHome(s, client, body);
    }
  };
}
