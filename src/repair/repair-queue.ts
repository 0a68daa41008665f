import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RepairCheckpoint, RepairPlan, RepairRefusal } from '../core/repair-types.ts';
import { bullPrefix } from '../jobs/clone-queue.ts';
import { logQueueErrors } from '../jobs/log-queue-errors.ts';
import type { Logger } from '../logger.ts';
import { DEFAULT_PREFIX } from '../requests/request-keys.ts';

/** BullMQ queue name of template repairs (its jobs share the clones' per-node slots). */
export const REPAIR_QUEUE_NAME = 'repair';

/** One repair job: what to repair, who asked where, and (once started) the plan, checkpoint and message. */
export interface RepairJobData {
  base: number;
  node: string;
  confirmReplace?: number;
  requestedBy: string;
  channel: string;
  /** The plan the first run made: a resumed run follows it, not a new one. */
  plan?: RepairPlan;
  checkpoint?: RepairCheckpoint;
  /** The progress message in the channel (posted once). */
  messageTs?: string;
  /** Set once the result is delivered: a retry after that posts nothing again. */
  delivered?: boolean;
}

/** What asking for a repair gave: queued, or already running (its status), or refused by the plan. */
export type RepairSubmission =
  | { kind: 'queued'; jobId: string; plan: RepairPlan }
  | { kind: 'running'; status: string }
  | { kind: 'refused'; refusal: RepairRefusal };

/** The job id of the repair of one copy: a second ask while it runs finds it. */
export const repairJobId = (base: number, node: string) => `repair-${base}-${node}`;

/** The repair queue: one job per copy (base and node). */
export interface RepairQueue {
  /** Enqueues unless a job for that copy waits or runs: then its status (the last progress line). */
  enqueue(data: RepairJobData): Promise<{ queued: true; jobId: string } | { queued: false; status: string }>;
  /** The status of the copy's repair while one waits or runs; undefined when none does. */
  status(base: number, node: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/** The repair queue on a Redis connection. Finished jobs are kept a day for their status, then dropped. */
export function createRepairQueue(
  connection: Redis,
  options: { prefix?: string; name?: string; logger?: Logger } = {},
): RepairQueue {
  const queue = new Queue<RepairJobData>(options.name ?? REPAIR_QUEUE_NAME, {
    connection,
    prefix: bullPrefix(options.prefix ?? DEFAULT_PREFIX),
    defaultJobOptions: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 5000 },
      removeOnComplete: { age: 86_400 },
      removeOnFail: { age: 86_400 },
    },
  });
  // Its 'error' events through the logger; without it BullMQ prints them to stderr.
  if (options.logger !== undefined) logQueueErrors(queue, options.logger, 'repair queue');
  const statusOf = async (base: number, node: string) => {
    const existing = await queue.getJob(repairJobId(base, node));
    if (!existing) return undefined;
    const state = await existing.getState();
    if (state === 'completed' || state === 'failed') return { existing, status: undefined };
    const p = existing.progress as { message?: string } | number | undefined;
    const line = typeof p === 'object' && p?.message ? p.message : 'waiting for a worker';
    const status = `the repair of base ${base} on ${node} is already ${state === 'active' ? 'running' : state}, asked by <@${existing.data.requestedBy}>: ${line}`;
    return { existing, status };
  };
  return {
    async status(base, node) {
      return (await statusOf(base, node))?.status;
    },
    async enqueue(data) {
      const jobId = repairJobId(data.base, data.node);
      const found = await statusOf(data.base, data.node);
      if (found?.status !== undefined) return { queued: false, status: found.status };
      if (found) await found.existing.remove();
      await queue.add('repair', data, { jobId });
      return { queued: true, jobId };
    },
    async close() {
      await queue.close();
    },
  };
}
