import type { CloneProgress, CloneResult } from '../core/types.ts';
import type { CloneRequestRecord } from '../requests/types.ts';

/**
 * How the worker tells the outside world (Slack) about a clone. Implemented by src/slack; the worker
 * knows nothing of Slack. Each method returns only once the message is handled.
 */
export interface CloneNotifier {
  /** The clone is starting: post the thread reply that progress edits will update; returns its ts. */
  started(record: CloneRequestRecord): Promise<{ progressTs?: string }>;
  /**
   * Optional: finds the progress reply an earlier worker may have posted before dying (the record has
   * `startPosting` but no `progressTs`). Without it, or when nothing is found, no second reply is posted.
   */
  findStarted?(record: CloneRequestRecord): Promise<{ progressTs?: string }>;
  /**
   * A progress tick. May be skipped (rate limit budget): return false when it was not delivered.
   * Must never throw for a rate limit.
   */
  progress(record: CloneRequestRecord, progress: CloneProgress): Promise<boolean>;
  /**
   * The final result: must be delivered; throw on failure so the job retries the hand-over (never the clone).
   * Resolves once delivered, or `'queued'` once a durable outbox has taken it: the outbox then records the
   * delivery (`resultDelivered`) itself, and the clone job ends without waiting on Slack.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: implementations that deliver directly are plain async functions
  finished(record: CloneRequestRecord, result: CloneResult): Promise<void | 'queued'>;
}

/** Enqueues approved requests; job id = request id, so a request is never queued (or cloned) twice. */
export interface CloneQueue {
  enqueue(requestId: string): Promise<void>;
  /** Waiting + active + delayed jobs. */
  depth(): Promise<number>;
  /** The BullMQ state of a request's job ('active', 'delayed', 'failed', …), 'unknown' when there is none. */
  jobState(requestId: string): Promise<string>;
  close(): Promise<void>;
}
