import type { CloneResult } from '../core/types.ts';
import type { RequestStatus } from './types.ts';

/**
 * What can happen to a request. Every status change is one of these, and the table below says from which
 * statuses it may happen and where it leads; nothing else moves a request (see request-moves.ts).
 */
export type RequestEvent =
  /** An approver approved it. */
  | 'approve'
  /** An approver denied it. */
  | 'deny'
  /** Nobody decided before `expiresAt`. */
  | 'expire'
  /** The requester or an approver cancelled it (a running clone is told to stop its Proxmox task). */
  | 'cancel'
  /** Its request message could not be posted: nobody could approve it or follow it, so it is withdrawn. */
  | 'withdraw'
  /** Approved, but the queue refused the job: pending again, so a second click can approve it. */
  | 'unapprove'
  /** Approved without approval, but the queue refused the job: failed, nothing was started. */
  | 'unqueued'
  /** A worker took it up (the only way into `cloning`: an `approved` request has never reached Proxmox). */
  | 'start'
  /** The clone's result: the VM exists. */
  | 'succeed'
  /** The clone's result: it failed (what Proxmox said, diagnosed). */
  | 'fail'
  /** The clone's result: its task was stopped on a cancel. */
  | 'stop'
  /** The job's last attempt threw before the clone had a result. */
  | 'give-up';

/** Every move, by status then event. A status with no entry for an event does not allow it. */
export const REQUEST_TRANSITIONS: Readonly<
  Record<RequestStatus, Readonly<Partial<Record<RequestEvent, RequestStatus>>>>
> = {
  pending: {
    approve: 'approved',
    deny: 'denied',
    expire: 'expired',
    cancel: 'cancelled',
    withdraw: 'cancelled',
  },
  approved: {
    start: 'cloning',
    cancel: 'cancelled',
    withdraw: 'cancelled',
    unapprove: 'pending',
    unqueued: 'failed',
    'give-up': 'failed',
  },
  cloning: {
    succeed: 'done',
    fail: 'failed',
    stop: 'cancelled',
    cancel: 'cancelled',
    'give-up': 'failed',
  },
  // A cancel that came too late: the clone ended anyway, and the request records what happened on Proxmox,
  // so a VM that exists is never shown as cancelled.
  cancelled: { succeed: 'done', fail: 'failed' },
  done: {},
  // A success is always done, since its VM exists: even after the job was given up on (a result saved late).
  failed: { succeed: 'done' },
  denied: {},
  expired: {},
};

/** Every status, in the order of a request's life. */
export const REQUEST_STATUSES = Object.keys(REQUEST_TRANSITIONS) as RequestStatus[];

/** Where `event` leads from `status`; undefined when it is not allowed there. */
export function nextStatus(status: RequestStatus, event: RequestEvent): RequestStatus | undefined {
  return REQUEST_TRANSITIONS[status][event];
}

/** The statuses `event` may happen in (the `from` of an atomic transition). */
export function statusesAllowing(event: RequestEvent): RequestStatus[] {
  return REQUEST_STATUSES.filter((s) => nextStatus(s, event) !== undefined);
}

/**
 * Where `event` leads. One target per event, whatever the status it happens in: the store's atomic
 * transition takes one target, and the table is checked (by its test) to keep it so.
 */
export function targetOf(event: RequestEvent): RequestStatus {
  const to = REQUEST_STATUSES.map((s) => nextStatus(s, event)).find((t) => t !== undefined);
  if (to === undefined) throw new Error(`no move for ${event}`);
  return to;
}

/** The status a new request starts in: `pending` waits for an approver, `approved` is queued at once. */
export function initialStatus(requireApproval: boolean): 'pending' | 'approved' {
  return requireApproval ? 'pending' : 'approved';
}

/** The event a clone's result is: what happened on Proxmox. */
export function resultEvent(result: CloneResult): 'succeed' | 'fail' | 'stop' {
  if (result.ok) return 'succeed';
  return result.diagnosis.reason === 'cancelled' ? 'stop' : 'fail';
}

/**
 * The status a request shows once its result is known: where the result moves it from `status`, or `status`
 * itself when the result arrives where it moves nothing (a stop on a cancelled request). The one place the
 * final status is decided, for the store and for the messages alike.
 */
export function statusAfterResult(status: RequestStatus, result: CloneResult): RequestStatus {
  return nextStatus(status, resultEvent(result)) ?? status;
}
