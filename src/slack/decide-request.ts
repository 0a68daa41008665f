import { createAudit } from '../audit-log.ts';
import { isRequestId } from '../requests/request-id.ts';
import type { RefusalReason } from '../requests/request-service.ts';
import type { CloneRequestRecord, RequestStatus } from '../requests/types.ts';
import { slackDate } from './messages/request-fields.ts';
import type { SlackServices } from './slack-services.ts';

/** A decision either changed the request (record is the new state) or changed nothing and says why. */
export type DecisionOutcome =
  | { ok: true; record: CloneRequestRecord; previous?: RequestStatus }
  | { ok: false; message: string };

/** What a click asks approvers to do: decide a request, or delete the VM a failed clone left behind. */
export type Decision = 'approve' | 'deny' | 'delete-vm';

const ONLY_APPROVERS: Record<Decision, string> = {
  approve: 'Only approvers can approve clone requests (see `/clone help`).',
  deny: 'Only approvers can deny clone requests (see `/clone help`).',
  'delete-vm': 'Only approvers can delete a VM a clone left behind (see `/clone help`).',
};

/** Told when Slack could not say whether the clicker is an approver: nothing changed, and it may pass. */
export const APPROVERS_UNKNOWN =
  "I couldn't check the approver group with Slack just now; try again in a minute. Nothing changed.";

function audit(s: SlackServices, fields: Record<string, unknown>, msg: string): void {
  createAudit(s.logger, s.clock)(fields, msg);
}

/** Why a transition did not happen, for the person who clicked. */
export function whyUnchanged(t: { reason: RefusalReason; record?: CloneRequestRecord }): string {
  const r = t.record;
  if (!r || t.reason === 'not-found')
    return 'That request no longer exists (finished requests are kept 30 days).';
  if (t.reason === 'expired' || r.status === 'expired') {
    return `That request expired ${slackDate(r.expiresAt)} without a decision: ask again with \`/clone\`.`;
  }
  const by = (u: string | undefined) => (u !== undefined && u !== 'system' ? ` by <@${u}>` : '');
  switch (r.status) {
    case 'approved':
    case 'cloning':
    case 'done':
    case 'failed':
      return `That request was already approved${by(r.decidedBy)} (now ${r.status}).`;
    case 'denied':
      return `That request was already denied${by(r.decidedBy)}.`;
    case 'cancelled':
      return `That request was cancelled${by(r.cancelledBy)}.`;
    default:
      return `That request is ${r.status}: nothing changed.`;
  }
}

/**
 * Checks that `userId` may approve, deny or delete-vm `id`, without changing anything: a listed approver (by
 * user id, or user group asked of Slack afresh on every click); for approve, not the requester unless allowed.
 */
export async function checkDecider(
  s: SlackServices,
  id: string,
  userId: string,
  decision: Decision,
): Promise<DecisionOutcome> {
  const record = isRequestId(id) ? await s.store.get(id) : undefined;
  if (!record) return { ok: false, message: 'That request no longer exists.' };
  const approver = await s.membership.check(s.config.approvers, userId, undefined, { fresh: true });
  if (approver === 'unknown') {
    audit(s, { requestId: id, actor: userId, decision }, `refused ${decision}: approver group unknown`);
    return { ok: false, message: APPROVERS_UNKNOWN };
  }
  if (approver === 'no') {
    audit(s, { requestId: id, actor: userId, decision }, `refused ${decision}: not an approver`);
    return { ok: false, message: ONLY_APPROVERS[decision] };
  }
  if (decision === 'approve' && record.requester.userId === userId && !s.config.allowSelfApproval) {
    audit(s, { requestId: id, actor: userId, decision }, 'refused approve: self-approval');
    return { ok: false, message: 'You cannot approve your own request: another approver has to.' };
  }
  return { ok: true, record };
}

/**
 * Approves a pending request for an approver (atomically: of two clicks at once, one wins); the request
 * service queues it before the message is edited.
 */
export async function approveRequest(s: SlackServices, id: string, userId: string): Promise<DecisionOutcome> {
  const check = await checkDecider(s, id, userId, 'approve');
  if (!check.ok) return check;
  const o = await s.requests.approve(id, userId);
  if (o.ok) return { ok: true, record: o.record };
  if (o.reason === 'refused') return { ok: false, message: o.why ?? 'The request was not approved.' };
  if (o.reason !== 'not-queued') return { ok: false, message: whyUnchanged(o) };
  if (o.record?.status !== 'pending') {
    // Someone else moved it on (a cancel; or a worker, if the failed enqueue did add the job after all).
    return { ok: false, message: `The clone queue failed, and meanwhile: ${whyUnchanged(o)}` };
  }
  return {
    ok: false,
    message:
      'I could not queue the clone (the queue did not answer), so nothing was started and the request is ' +
      'pending again: click *Approve* again in a moment.',
  };
}

/** Denies a pending request with an optional reason; the service updates its message and tells the requester. */
export async function denyRequest(
  s: SlackServices,
  id: string,
  userId: string,
  reason: string | undefined,
): Promise<DecisionOutcome> {
  const check = await checkDecider(s, id, userId, 'deny');
  if (!check.ok) return check;
  const o = await s.requests.deny(id, userId, reason);
  if (!o.ok) return { ok: false, message: whyUnchanged(o) };
  return { ok: true, record: o.record };
}

/**
 * Cancels a request for its requester or an approver. Before the clone starts it just stops; while cloning
 * the store tells the worker, which stops the Proxmox task and then reports the result in the thread.
 */
export async function cancelRequest(s: SlackServices, id: string, userId: string): Promise<DecisionOutcome> {
  const record = isRequestId(id) ? await s.store.get(id) : undefined;
  if (!record)
    return { ok: false, message: `There is no request \`${id}\`: see \`/clone status\` for yours.` };
  if (record.requester.userId !== userId) {
    const approver = await s.membership.check(s.config.approvers, userId, undefined, { fresh: true });
    if (approver !== 'yes') {
      const unknown = approver === 'unknown';
      audit(
        s,
        { requestId: id, actor: userId },
        unknown ? 'refused cancel: approver group unknown' : 'refused cancel: neither requester nor approver',
      );
      return {
        ok: false,
        message: unknown ? APPROVERS_UNKNOWN : 'Only the requester or an approver can cancel this request.',
      };
    }
  }
  const o = await s.requests.cancel(id, userId);
  if (!o.ok) return { ok: false, message: whyUnchanged(o) };
  return { ok: true, record: o.record, ...(o.previous !== undefined ? { previous: o.previous } : {}) };
}
