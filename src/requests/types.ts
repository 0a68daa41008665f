import type { FencedOutError } from './fenced-out-error.ts';
import type { CloneCheckpoint, CloneProgress, CloneRequest, CloneResult } from '../core/types.ts';

/** Where a request is in its life. Terminal: done, failed, denied, cancelled, expired. */
export type RequestStatus =
  | 'pending'
  | 'approved'
  | 'cloning'
  | 'done'
  | 'failed'
  | 'denied'
  | 'cancelled'
  | 'expired';

export const TERMINAL_STATUSES: readonly RequestStatus[] = [
  'done',
  'failed',
  'denied',
  'cancelled',
  'expired',
];

/**
 * One clone request as it lives in Redis: created by /clone, decided by an approver, run by a worker.
 * Slack buttons carry only `id`; everything else is read from here.
 */
export interface CloneRequestRecord {
  /** Short, unique, safe in a button value and a BullMQ job id: `cr-` + 8 base-32 chars. */
  id: string;
  request: CloneRequest;
  /** The text as typed, for the audit log and the request message. */
  text: string;
  requester: { userId: string; userName?: string };
  /** The template's VMID as the submit check found it: whose disk the request counts against a quota meanwhile. */
  templateVmid?: number;
  /** Channel the request was made in; the request message and its thread live there. */
  channelId: string;
  /** ts of the request message (the thread parent). */
  messageTs?: string;
  /** ts of the thread reply edited with progress. */
  progressTs?: string;
  status: RequestStatus;
  createdAt: number;
  /** After this an undecided request can no longer be approved. */
  expiresAt: number;
  decidedBy?: string;
  decidedAt?: number;
  denyReason?: string;
  cancelledBy?: string;
  /** Saved by the worker before each next step: resume, never clone twice. */
  checkpoint?: CloneCheckpoint;
  lastProgress?: CloneProgress;
  result?: CloneResult;
  /** True once the final reply was posted (in the thread, or where the fallback put it). */
  resultDelivered?: boolean;
  /** Where and as what the final reply was posted (saved with `resultDelivered`). */
  resultTs?: { channel: string; ts: string };
  /**
   * Saved just before each post of the final reply: the place tried. A delivery that finds it without
   * `resultDelivered` knows the reply may exist there (a crash after Slack answered) and looks before posting.
   */
  resultPosting?: { channel: string; threadTs?: string };
  /** The final reply could not be delivered anywhere after every try (audited): no more sweeps. */
  deliveryAbandoned?: { at: number; reason: string };
  /** When a worker moved the request to 'cloning' (set atomically with that status). */
  startedAt?: number;
  /** True once notifier.started posted the progress reply, so a resumed job does not post it again. */
  startNotified?: boolean;
  /**
   * Saved just before notifier.started is called: a resumed job that finds it without `startNotified` knows
   * the reply may already exist (the earlier worker died while posting) and never posts a second one.
   */
  startPosting?: boolean;
  /**
   * Storage lock timeouts met so far (each a failed Proxmox task that removed its partial VM); the job sends the
   * clone again after a pause until the retry policy is used up. `firstAt`: when the first one was met.
   */
  lockRetries?: { count: number; firstAt: number };
  /** Set when an approver deleted the VM a failed clone left behind (the "Delete VM" button). */
  leftoverDeleted?: { vmid: number; node: string; by: string; at: number; upid?: string };
}

/** Fields a worker or listener may change without a status change (never `status`: see RequestStore.transition). */
export type RecordPatch = Partial<
  Pick<
    CloneRequestRecord,
    | 'messageTs'
    | 'progressTs'
    | 'decidedBy'
    | 'decidedAt'
    | 'denyReason'
    | 'cancelledBy'
    | 'checkpoint'
    | 'lastProgress'
    | 'result'
    | 'resultDelivered'
    | 'resultTs'
    | 'resultPosting'
    | 'deliveryAbandoned'
    | 'startedAt'
    | 'startNotified'
    | 'startPosting'
    | 'leftoverDeleted'
    | 'lockRetries'
  >
>;

/** What /clone hands the store; id, status and times are the store's. */
export interface NewRequestInput {
  request: CloneRequest;
  text: string;
  requester: { userId: string; userName?: string };
  templateVmid?: number;
  channelId: string;
  messageTs?: string;
  /** 'approved' when no approval is required. */
  status: 'pending' | 'approved';
  /** Overrides the store's approval TTL for this request. */
  approvalTtlMs?: number;
}

/**
 * The outcome of an atomic status change. `expired`: the request was pending past `expiresAt`; it is now
 * 'expired' and `record` shows it. `wrong-status`: someone else decided first (`record` says what happened).
 */
export type TransitionResult =
  | { ok: true; record: CloneRequestRecord; previous: RequestStatus }
  | { ok: false; record?: CloneRequestRecord; reason: 'not-found' | 'wrong-status' | 'expired' };

/**
 * Binds a store's writes to a lock: each is refused (FencedOutError) unless `key` holds `token`. The clone
 * worker fences to its BullMQ job lock (`bull:<queue>:<jobId>:lock` = the job's token).
 */
export interface WriteFence {
  key: string;
  token: string;
  /** Called with the refusal before it is thrown (the worker aborts the job's run). */
  onRefused?: (error: FencedOutError) => void;
}

/** A store whose writes are fenced; `confirm` checks the fence without writing. */
export interface FencedStore extends RequestStore {
  /** Resolves while the fence holds; otherwise throws FencedOutError (after `onRefused`). */
  confirm(id: string): Promise<void>;
}

/** Clone requests in Redis. Every status change is atomic and audited. */
export interface RequestStore {
  /** The same store with every write fenced to `fence`. */
  fenced(fence: WriteFence): FencedStore;
  create(input: NewRequestInput): Promise<CloneRequestRecord>;
  get(id: string): Promise<CloneRequestRecord | undefined>;
  /** Moves `id` from one of `from` to `to` (atomically) and applies `patch`; `actor` is for the audit log. */
  transition(
    id: string,
    from: readonly RequestStatus[],
    to: RequestStatus,
    patch?: RecordPatch,
    actor?: string,
  ): Promise<TransitionResult>;
  /** Applies `patch` without touching the status; undefined when the record is gone. */
  update(id: string, patch: RecordPatch): Promise<CloneRequestRecord | undefined>;
  /**
   * Cancels a pending, approved or cloning request and tells the worker running it (Redis pub/sub on
   * `${prefix}cancel`) to stop the Proxmox task.
   */
  cancel(id: string, by: string): Promise<TransitionResult>;
  /** Flips every pending request past its `expiresAt` to 'expired'; returns them (to update their messages). */
  expirePending(): Promise<CloneRequestRecord[]>;
  listRecent(limit: number): Promise<CloneRequestRecord[]>;
  /** Oldest first. */
  listByStatus(status: RequestStatus): Promise<CloneRequestRecord[]>;
  /** Newest first. */
  listByUser(userId: string, limit: number): Promise<CloneRequestRecord[]>;
  /**
   * The user's requests not yet ended (pending, approved, cloning), oldest first: from an index of their own,
   * kept in the same script as each write, so it costs what the user has in flight, not every request.
   */
  listOpenByUser(userId: string): Promise<CloneRequestRecord[]>;
  /**
   * Records with a saved result not yet delivered, whose result was saved (or last claimed for delivery)
   * at or before `before` (clock ms); oldest first, at most `limit` (default 100), skipping the `offset`
   * oldest index entries (paging).
   */
  listUndelivered(before: number, limit?: number, offset?: number): Promise<CloneRequestRecord[]>;
  /**
   * Atomically claims the delivery of an undelivered result for the next sweep period: true for exactly one
   * caller, provided the result is still undelivered and was not saved or claimed after `before`.
   */
  claimDelivery(id: string, before: number): Promise<boolean>;
}
