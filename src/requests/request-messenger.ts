import type { CloneRequestRecord } from './types.ts';

/** What the requester is told in the request's thread. */
export type RequesterNotice =
  | { kind: 'denied'; by: string; reason?: string }
  /** Without approval, the queue refused the job: nothing was started; `text` is what to type again. */
  | { kind: 'not-queued'; text: string }
  /** An approver's click was refused by the approval check (`why`, e.g. the quota): still pending. */
  | { kind: 'not-approved'; why: string };

/**
 * The request service's one way to the chat (implemented in `slack/`): it owns the request message (the
 * thread parent) for every move the service makes. Rendering is the messenger's; the service says what
 * happened. Clone progress and the final reply are the worker's notifier's, not this port's.
 */
export interface RequestMessenger {
  /** Posts the request message; its ts. Throws when it cannot be posted (then the request is withdrawn). */
  postRequest(record: CloneRequestRecord): Promise<string | undefined>;
  /** Re-renders the request message from `record`. Best effort: never throws, the record stays the truth. */
  showRequest(record: CloneRequestRecord): Promise<void>;
  /**
   * Like showRequest, in the background, then again while the stored record moves on meanwhile (a worker
   * may already have started the queued clone): the last edit shows the newest state.
   */
  followRequest(record: CloneRequestRecord): void;
  /** Tells the requester in the request's thread. Best effort: never throws. */
  tellRequester(record: CloneRequestRecord, notice: RequesterNotice): Promise<void>;
}
