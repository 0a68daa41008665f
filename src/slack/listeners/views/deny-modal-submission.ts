import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { denyRequest } from '../../decide-request.ts';
import type { DenyModalMetadata } from '../../messages/deny-modal.ts';
import { publishHome } from '../../publish-home.ts';
import { SLACK_IDS } from '../../slack-ids.ts';
import type { SlackServices } from '../../slack-services.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** The deny form submitted: denies with the reason (re-checking the approver), or tells why nothing changed. */
export function denyModalSubmission(s: SlackServices) {
  return async ({ ack, body, view, client }: Args): Promise<void> => {
    await ack();
    let meta: Partial<DenyModalMetadata> = {};
    try {
      meta = JSON.parse(view.private_metadata) as Partial<DenyModalMetadata>;
    } catch {
      return;
    }
    if (typeof meta.requestId !== 'string') return;
    const reason =
      view.state.values[SLACK_IDS.denyReasonBlock]?.[SLACK_IDS.value]?.value?.trim() || undefined;
    const outcome = await denyRequest(s, meta.requestId, body.user.id, reason);
    if (meta.home === true) {
      await publishHome(s, client, body.user.id, outcome.ok ? undefined : outcome.message);
      return;
    }
    if (!outcome.ok && typeof meta.channelId === 'string') {
      await client.chat
        .postEphemeral({ channel: meta.channelId, user: body.user.id, text: outcome.message })
        .catch((err: unknown) => s.logger.warn({ err: String(err) }, 'could not answer the deny form'));
    }
  };
}
