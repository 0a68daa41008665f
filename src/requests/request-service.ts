import { createAudit } from '../audit-log.ts';
import type { Clock } from '../clock.ts';
import type { CloneRequest } from '../core/types.ts';
import type { Logger } from '../logger.ts';
import { initialStatus } from './request-lifecycle.ts';
import type { RequestMessenger } from './request-messenger.ts';
import { createRequestMoves, type RequestMoves } from './request-moves.ts';
import type { CloneRequestRecord, RequestStatus, RequestStore, TransitionResult } from './types.ts';

/** The queue the service puts approved requests on; job id = request id, so a second enqueue is a no-op. */
export interface RequestQueue {
  enqueue(requestId: string): Promise<void>;
}

/** Why an approval was refused by the check: told to the approver, and (when present) to the requester. */
export interface ApprovalRefusal {
  approver: string;
  requester?: string;
}

/**
 * A last look at a pending request just before it is approved (the quota, whose use may have grown since the
 * request was made); a refusal leaves it pending, with nothing queued.
 */
export type ApprovalCheck = (record: CloneRequestRecord) => Promise<ApprovalRefusal | undefined>;

/** The service's ports: the store, the queue, the chat, time and the audit log; optionally the approval check. */
export interface RequestServicePorts {
  store: RequestStore;
  queue: RequestQueue;
  messenger: RequestMessenger;
  clock: Clock;
  logger: Logger;
  approvalCheck?: ApprovalCheck;
}

/** A new request as a listener parsed and checked it. */
export interface SubmitRequestInput {
  request: CloneRequest;
  text: string;
  requester: { userId: string; userName?: string };
  /** The template's VMID as checked (counted against the requester's quota while the request is in flight). */
  templateVmid?: number;
  channelId: string;
  requireApproval: boolean;
  approvalTtlMs?: number;
}

/** Why a move did not happen. `record` (when there is one) is what the request is now. */
export type RefusalReason =
  | 'not-found'
  | 'wrong-status'
  | 'expired'
  /** The request message could not be posted: the request was withdrawn. */
  | 'not-posted'
  /** The queue refused the job: `record` is pending again (approve), failed (submit) or moved on meanwhile. */
  | 'not-queued'
  /** The approval check refused it (`why`): still pending, nothing queued. */
  | 'refused';

/** What a move answers: the request as it now is, or why nothing (or what else) happened. */
export type RequestOutcome =
  | { ok: true; record: CloneRequestRecord; previous?: RequestStatus }
  | { ok: false; reason: RefusalReason; record?: CloneRequestRecord; why?: string };

/**
 * The bot side of the request lifecycle: the moves people make (submit, approve, deny, cancel) and the
 * expiry of undecided requests, each with its effect on the request message through the messenger. The
 * worker's moves (start, finish, deliver) are the same RequestMoves, used by the clone job.
 */
export interface RequestService {
  moves: RequestMoves;
  /** Stores the request, posts its message and, when no approval is required, queues it. */
  submit(input: SubmitRequestInput): Promise<RequestOutcome & { queued?: boolean }>;
  /** Approves a pending request, queues it (before any edit), then shows it approved. */
  approve(id: string, by: string): Promise<RequestOutcome>;
  /** Denies a pending request, shows it denied and tells the requester. */
  deny(id: string, by: string, reason?: string): Promise<RequestOutcome>;
  /** Cancels a request that has not ended (a running clone is told to stop) and shows it cancelled. */
  cancel(id: string, by: string): Promise<RequestOutcome>;
  /** Expires every undecided request past its deadline and shows each expired; the records. */
  expireDue(): Promise<CloneRequestRecord[]>;
}

export function createRequestService(ports: RequestServicePorts): RequestService {
  const { store, queue, messenger, clock, logger, approvalCheck } = ports;
  const moves = createRequestMoves({ store, clock });
  const audit = createAudit(logger, clock);

  /** A refused decision; one that found the request expired shows it expired (its buttons go). */
  const refused = async (t: Extract<TransitionResult, { ok: false }>): Promise<RequestOutcome> => {
    if (t.record?.status === 'expired') await messenger.showRequest(t.record);
    return { ok: false, reason: t.reason, ...(t.record ? { record: t.record } : {}) };
  };

  return {
    moves,
    async submit(input) {
      const status = initialStatus(input.requireApproval);
      const record = await store.create({
        request: input.request,
        text: input.text,
        requester: input.requester,
        ...(input.templateVmid !== undefined ? { templateVmid: input.templateVmid } : {}),
        channelId: input.channelId,
        status,
        ...(input.approvalTtlMs !== undefined ? { approvalTtlMs: input.approvalTtlMs } : {}),
      });
      let posted = record;
      try {
        const ts = await messenger.postRequest(record);
        if (ts !== undefined) posted = (await store.update(record.id, { messageTs: ts })) ?? record;
      } catch (err) {
        // Without a request message nobody can approve it and no thread can show progress: withdraw it.
        logger.warn({ requestId: record.id, err: String(err) }, 'could not post the request message');
        await moves.move(record.id, 'withdraw', { cancelledBy: 'system' }, 'system');
        return { ok: false, reason: 'not-posted', record };
      }
      if (status === 'pending') return { ok: true, record: posted, queued: false };
      // The message is the thread every later reply goes in, so it is posted first; a crash before the
      // enqueue leaves an approved request the approved-request reconciler queues.
      try {
        await queue.enqueue(record.id);
      } catch (err) {
        logger.error({ requestId: record.id, err: String(err) }, 'request could not be queued');
        const t = await moves.move(record.id, 'unqueued', {}, 'system');
        if (!t.ok) {
          // Moved on meanwhile: a worker took it (the enqueue did add the job after all) or it was cancelled.
          const now = t.record?.status;
          if (now === 'cloning' || now === 'done' || now === 'failed') {
            return { ok: true, record: posted, queued: true };
          }
          return { ok: false, reason: 'not-queued', ...(t.record ? { record: t.record } : {}) };
        }
        await messenger.showRequest(t.record);
        await messenger.tellRequester(t.record, { kind: 'not-queued', text: record.text });
        return { ok: false, reason: 'not-queued', record: t.record };
      }
      return { ok: true, record: posted, queued: true };
    },

    async approve(id, by) {
      const current = approvalCheck === undefined ? undefined : await store.get(id);
      // Only a request the click could approve is checked: the move answers the others (decided, expired).
      if (approvalCheck && current?.status === 'pending' && clock.now() < current.expiresAt) {
        const refusal = await approvalCheck(current);
        if (refusal !== undefined) {
          audit({ requestId: id, actor: by, why: refusal.approver }, 'approval refused by the check');
          if (refusal.requester !== undefined)
            await messenger.tellRequester(current, { kind: 'not-approved', why: refusal.requester });
          return { ok: false, reason: 'refused', record: current, why: refusal.approver };
        }
      }
      const t = await moves.move(id, 'approve', { decidedBy: by, decidedAt: clock.now() }, by);
      if (!t.ok) return refused(t);
      // The job first (job id = request id): a restart after this point cannot strand the request approved
      // with no job. The edit follows in the background: on a 429 it can retry for minutes, and the click's
      // answer must not wait for it.
      try {
        await queue.enqueue(id);
      } catch (err) {
        logger.error({ requestId: id, actor: by, err: String(err) }, 'approved request could not be queued');
        // Pending again (only if still approved), so a click on its buttons (still there: the message is
        // edited only after the job is queued) can approve it again.
        const back = await moves.move(id, 'unapprove', {}, 'system');
        if (back.ok) audit({ requestId: id, actor: by }, 'approval rolled back: could not queue the clone');
        return { ok: false, reason: 'not-queued', ...(back.record ? { record: back.record } : {}) };
      }
      messenger.followRequest(t.record);
      return { ok: true, record: t.record, previous: t.previous };
    },

    async deny(id, by, reason) {
      const patch = { decidedBy: by, decidedAt: clock.now(), ...(reason ? { denyReason: reason } : {}) };
      const t = await moves.move(id, 'deny', patch, by);
      if (!t.ok) return refused(t);
      await messenger.showRequest(t.record);
      await messenger.tellRequester(t.record, { kind: 'denied', by, ...(reason ? { reason } : {}) });
      return { ok: true, record: t.record, previous: t.previous };
    },

    async cancel(id, by) {
      const t = await moves.cancel(id, by);
      if (!t.ok) return { ok: false, reason: t.reason, ...(t.record ? { record: t.record } : {}) };
      await messenger.showRequest(t.record);
      return { ok: true, record: t.record, previous: t.previous };
    },

    async expireDue() {
      const expired = await moves.expireDue();
      for (const record of expired) await messenger.showRequest(record);
      return expired;
    },
  };
}
