import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { parseRepairButtonValue } from '../../../core/repair-target.ts';
import type { SlackServices } from '../../slack-services.ts';
import { submitRepair } from '../../submit-repair.ts';
import { tellClicker } from './tell-clicker.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** The Repair button of a health finding: ack, then the approver and the plan are checked again; the answer goes to the clicker. */
export function healthRepairAction(s: SlackServices) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const target = parseRepairButtonValue(action.value ?? '');
    const channel = body.channel?.id ?? body.container?.channel_id;
    if (!s.repairs || !target || typeof channel !== 'string') {
      await tellClicker(
        s,
        client,
        body,
        'This Repair button is not usable here (repairs are not enabled, or the button is malformed).',
      );
      return;
    }
    try {
      const answer = await submitRepair(
        { repairs: s.repairs, membership: s.membership, approvers: s.config.approvers },
        { ...target, userId: body.user.id, channel },
      );
      await tellClicker(s, client, body, answer.text);
    } catch (err) {
      s.logger.warn({ err: String(err), ...target }, 'repair button failed');
      await tellClicker(
        s,
        client,
        body,
        `The repair could not be started: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };
}
