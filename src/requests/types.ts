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
  /** True once the final reply was posted in the thread. */
  resultDelivered?: boolean;
}
