import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { EXTEND_STEP_MS, parseVmButtonValue } from '../../messages/vm-messages.ts';
import type { SlackServices } from '../../slack-services.ts';
import { deleteVm, extendVm } from '../../vm-actions.ts';
import { tellClicker } from './tell-clicker.ts';

type Args = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** "Extend 1d" (DM before expiry, App Home, /clone list): ack, extend, tell the clicker how it went. */
export function leaseExtendAction(s: SlackServices) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const ref = parseVmButtonValue(action.value ?? '');
    if (!ref) return;
    const r = await extendVm(s, body.user.id, ref, EXTEND_STEP_MS);
    await tellClicker(s, client, body, r.text);
  };
}

/** "Delete now": ack, then stop and delete (followed to its end), then tell the clicker. */
export function leaseDeleteAction(s: SlackServices) {
  return async ({ ack, body, action, client }: Args): Promise<void> => {
    await ack();
    const ref = parseVmButtonValue(action.value ?? '');
    if (!ref) return;
    const r = await deleteVm(s, body.user.id, ref);
    await tellClicker(s, client, body, r.text);
  };
}
