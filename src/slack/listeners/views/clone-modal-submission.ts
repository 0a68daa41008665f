import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { PreflightResult } from '../../../clone/types.ts';
import { isValidDnsName, suggestDnsName } from '../../../core/dns-name.ts';
import { parseCloneCommand } from '../../../core/parse-clone-command.ts';
import { parseCloneModalMetadata } from '../../messages/clone-modal.ts';
import { renderCommandError, renderNotice } from '../../messages/error-message.ts';
import { requestSummary } from '../../messages/request-fields.ts';
import { SLACK_IDS } from '../../slack-ids.ts';
import type { SlackServices } from '../../slack-services.ts';
import { mayRequest, submitRequest } from '../../submit-request.ts';
import { cloneModalText, fieldForParseError, fieldForReason, readCloneModal } from './clone-modal-fields.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/** How long the submission waits for the cluster check before closing the form (Slack allows 3 s). */
const PREFLIGHT_BUDGET_MS = 2000;

const deadline = (ms: number) =>
  new Promise<'late'>((resolve) => {
    setTimeout(() => resolve('late'), ms).unref();
  });

/**
 * The `/clone` form submitted: field errors (bad DNS name, name taken, template broken) are shown in the
 * form; a cluster check slower than Slack's 3 s closes the form and answers ephemerally in the channel.
 */
export function cloneModalSubmission(s: SlackServices) {
  return async ({ ack, body, view, client }: Args): Promise<void> => {
    const meta = parseCloneModalMetadata(view.private_metadata);
    const input = readCloneModal(view, meta?.node);
    const userId = body.user.id;
    const errors: Record<string, string> = {};
    // No template input means the node's templates were never shown: the error goes on the node picker.
    if (!meta || input.node === undefined || input.template === undefined) {
      errors[SLACK_IDS.modalNodeBlock] = 'Pick a node, then one of its templates.';
    }
    if (input.name === undefined) errors[SLACK_IDS.modalNameBlock] = 'Give the new VM a name.';
    else if (!isValidDnsName(input.name)) {
      errors[SLACK_IDS.modalNameBlock] =
        `Not a valid DNS name: use letters, digits and hyphens, e.g. ${suggestDnsName(input.name)}`;
    }
    if (
      !meta ||
      input.node === undefined ||
      input.template === undefined ||
      input.name === undefined ||
      Object.keys(errors).length > 0
    ) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    const text = cloneModalText({ ...input, node: input.node, template: input.template, name: input.name });
    const parsed = parseCloneCommand(text);
    if (!parsed.ok) {
      await ack({
        response_action: 'errors',
        errors: { [fieldForParseError(parsed.error)]: parsed.error.slice(0, 300) },
      });
      return;
    }
    if (!(await mayRequest(s, userId, meta.channelId))) {
      await ack({
        response_action: 'errors',
        errors: {
          [SLACK_IDS.modalNodeBlock]: 'You are not allowed to request clones here (CLONE_REQUESTERS).',
        },
      });
      return;
    }
    const preflight: Promise<PreflightResult> = s.engine.preflight(parsed.request);
    const early = await Promise.race([preflight.catch(() => 'late' as const), deadline(PREFLIGHT_BUDGET_MS)]);
    if (early !== 'late' && !early.ok) {
      const field = fieldForReason(early.diagnosis.reason);
      await ack({ response_action: 'errors', errors: { [field]: early.diagnosis.summary.slice(0, 300) } });
      return;
    }
    await ack();
    const tell = (m: { text: string; blocks: unknown[] }) =>
      client.chat
        .postEphemeral({ channel: meta.channelId, user: userId, text: m.text, blocks: m.blocks as never })
        .catch((err: unknown) => s.logger.warn({ err: String(err) }, 'could not answer the /clone form'));
    try {
      const outcome = await submitRequest(
        s,
        { request: parsed.request, text, userId, userName: body.user.name, channelId: meta.channelId },
        preflight,
      );
      if (!outcome.ok) await tell(renderCommandError(outcome.error, outcome.hint));
      else
        await tell(
          renderNotice(
            `:white_check_mark: Request \`${outcome.record.id}\` (${requestSummary(outcome.record)}) is ${outcome.queued ? 'queued' : 'posted and waits for an approver'}.`,
          ),
        );
    } catch (err) {
      s.logger.error({ err, text }, '/clone form submission failed');
      await tell(
        renderNotice(':x: Something went wrong submitting the form; it has been logged. Try again.'),
      );
    }
  };
}
