import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { PreflightResult } from '../../../clone/types.ts';
import { type CloneFieldName, cloneRequestFromFields } from '../../../core/clone-request-from-fields.ts';
import { checkLease } from '../../../core/lease.ts';
import { formatCloneRequest } from '../../../core/parse-clone-command.ts';
import { maxLeaseOf, policyFor } from '../../../core/template-policy.ts';
import { parseCloneModalMetadata } from '../../messages/clone-modal.ts';
import { renderNotice, renderRefusal } from '../../messages/error-message.ts';
import { requestSummary } from '../../messages/request-fields.ts';
import { SLACK_IDS } from '../../slack-ids.ts';
import type { SlackServices } from '../../slack-services.ts';
import { mayRequest, REQUESTERS_UNKNOWN, submitRequest } from '../../submit-request.ts';
import { fieldForReason, readCloneModal } from './clone-modal-fields.ts';

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

const BLOCKS: Record<CloneFieldName, string> = {
  node: SLACK_IDS.modalNodeBlock,
  template: SLACK_IDS.modalTemplateBlock,
  name: SLACK_IDS.modalNameBlock,
  storage: SLACK_IDS.modalStorageBlock,
  pool: SLACK_IDS.modalPoolBlock,
  user: SLACK_IDS.modalUserBlock,
  ip: SLACK_IDS.modalIpBlock,
  lease: SLACK_IDS.modalLeaseBlock,
};
const blockOf = (field: string) => BLOCKS[field as CloneFieldName] ?? SLACK_IDS.modalTemplateBlock;

/**
 * Slack wants the ack within 3 s of sending the submission: everything before ack() (the requester check and
 * the cluster check) shares this budget, counted from the handler's entry in real time, leaving room for
 * the network.
 */
const PRE_ACK_BUDGET_MS = 2000;

/** `work`'s result if it arrives by `at` (epoch ms), else 'late' (a failure also counts as late). */
async function byDeadline<T>(work: Promise<T>, at: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, at - Date.now()));
  });
  try {
    return await Promise.race([work.catch(() => 'late' as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The `/clone` form submitted: field errors (bad DNS name, name taken, template broken) are shown in the
 * form; a cluster check slower than Slack's 3 s closes the form and answers ephemerally in the channel.
 */
export function cloneModalSubmission(s: SlackServices) {
  return async ({ ack, body, view, client }: Args): Promise<void> => {
    const ackBy = Date.now() + PRE_ACK_BUDGET_MS;
    const meta = parseCloneModalMetadata(view.private_metadata);
    const input = readCloneModal(view, meta?.node);
    const userId = body.user.id;
    // Built from the fields themselves, each checked on its own: never joined into text and parsed again,
    // where a field holding "lab vmid 4242" would add an option. The node must also be one the form offered.
    // With a policy file each template has its own maximum lease, checked by submitRequest (as /clone does).
    const built = cloneRequestFromFields({
      ...input,
      now: s.clock.now(),
      ...(s.cloneConfig.policy !== undefined ? { maxLeaseMs: Number.MAX_SAFE_INTEGER } : {}),
    });
    const errors: Record<string, string> = {};
    if (!built.ok) {
      for (const [field, error] of Object.entries(built.errors)) errors[blockOf(field)] = error.slice(0, 300);
    }
    // No template input means the node's templates were never shown: the error goes on the node picker.
    if (!meta || input.template === undefined) {
      errors[SLACK_IDS.modalNodeBlock] = 'Pick a node, then one of its templates.';
      delete errors[SLACK_IDS.modalTemplateBlock];
    } else if (input.node !== undefined && meta.nodes !== undefined && !meta.nodes.includes(input.node)) {
      errors[SLACK_IDS.modalNodeBlock] =
        'That node is not one of the online nodes listed: pick one from the list.';
    }
    if (!meta || !built.ok || Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    const parsed = built;
    const text = formatCloneRequest(parsed.request);
    // Late (a slow or rate-limited group lookup): close the form; submitRequest checks again and answers.
    const allowed = await byDeadline(mayRequest(s, userId, meta.channelId), ackBy);
    if (allowed === 'no' || allowed === 'unknown') {
      const error =
        allowed === 'no'
          ? 'You are not allowed to request clones here (CLONE_REQUESTERS).'
          : REQUESTERS_UNKNOWN;
      await ack({ response_action: 'errors', errors: { [SLACK_IDS.modalNodeBlock]: error } });
      return;
    }
    const preflight: Promise<PreflightResult> | undefined =
      allowed === 'yes' ? s.engine.preflight(parsed.request) : undefined;
    const early = preflight ? await byDeadline(preflight, ackBy) : 'late';
    if (early !== 'late' && !early.ok) {
      const field = fieldForReason(early.diagnosis.reason);
      await ack({ response_action: 'errors', errors: { [field]: early.diagnosis.summary.slice(0, 300) } });
      return;
    }
    // With the template known in time, a lease past its own maximum (CLONE_POLICY_FILE) is a field error too.
    const lease = parsed.request.setup?.lease;
    if (early !== 'late' && lease !== undefined && s.cloneConfig.policy !== undefined) {
      const max = maxLeaseOf(policyFor(s.cloneConfig.policy, early.template));
      const problem = checkLease(lease, s.clock.now(), max);
      if (problem !== undefined) {
        await ack({
          response_action: 'errors',
          errors: { [SLACK_IDS.modalLeaseBlock]: problem.slice(0, 300) },
        });
        return;
      }
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
      if (!outcome.ok) await tell(renderRefusal(outcome.error, outcome.hint));
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
