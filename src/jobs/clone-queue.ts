import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { CloneCheckpoint } from '../core/types.ts';
import type { Logger } from '../logger.ts';
import { DEFAULT_PREFIX } from '../requests/request-keys.ts';
import { logQueueErrors } from './log-queue-errors.ts';
import type { CloneQueue } from './types.ts';

/** Default BullMQ queue name for clone jobs. */
export const CLONE_QUEUE_NAME = 'clone';

/** BullMQ's own key prefix under ours: queue keys are `${prefix}bull:<name>:…`. */
export function bullPrefix(prefix: string): string {
  return `${prefix}bull`;
}

/** The data of one clone job: only the request id; everything else is read from the request store. */
export interface CloneJobData {
  requestId: string;
  /** A copy of the record's checkpoint, for the BullMQ UI; the record is the source of truth. */
  checkpoint?: CloneCheckpoint;
}

/** Options for createCloneQueue. */
export interface CloneQueueOptions {
  prefix?: string;
  name?: string;
  /** Tries per job (clone once, then result-delivery retries). Default 12. */
  attempts?: number;
  /** First retry delay; doubles each attempt (5 s → ~5.7 h over 12 attempts). Default 5000. */
  backoffMs?: number;
  /** How long finished jobs are kept, and so how long their id blocks a re-enqueue. Default 30 days. */
  keepMs?: number;
  /** Where the queue's 'error' events go (at warn, de-duplicated); without it BullMQ prints them to stderr. */
  logger?: Logger;
}

/**
 * The clone queue. Job id = request id: a second enqueue while the job waits, runs or has completed is a
 * no-op; a failed job of that id is replaced (the worker skips requests already done). Finished jobs are kept for
 * `keepMs` (the request record's own TTL) so a completed request's id cannot be re-added soon; eviction is
 * best-effort (BullMQ removes aged jobs when a later job finishes), and past it the worker still refuses to
 * clone again because the record says done or failed.
 */
export function createCloneQueue(connection: Redis, options: CloneQueueOptions = {}): CloneQueue {
  const keepS = Math.ceil((options.keepMs ?? 30 * 86_400_000) / 1000);
  const queue = new Queue<CloneJobData>(options.name ?? CLONE_QUEUE_NAME, {
    connection,
    prefix: bullPrefix(options.prefix ?? DEFAULT_PREFIX),
    defaultJobOptions: {
      attempts: options.attempts ?? 12,
      backoff: { type: 'exponential', delay: options.backoffMs ?? 5000 },
      removeOnComplete: { age: keepS },
      removeOnFail: { age: keepS },
    },
  });
  if (options.logger !== undefined) logQueueErrors(queue, options.logger, 'clone queue');
  return {
    async enqueue(requestId) {
      // A failed job of this id is stale when the request is queued again: a job that found its request
      // back at pending (an approval rolled back after an enqueue that failed ambiguously) gave up. Replacing
      // it is safe: the worker reads the record and never clones a done or failed request.
      const existing = await queue.getJob(requestId);
      if (existing) {
        if ((await existing.getState()) !== 'failed') return;
        await existing.remove();
      }
      await queue.add('clone', { requestId }, { jobId: requestId });
    },
    async depth() {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    async jobState(requestId) {
      return queue.getJobState(requestId);
    },
    async close() {
      await queue.close();
    },
  };
}
