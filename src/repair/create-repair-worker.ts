import type { WebClient } from '@slack/web-api';
import { type Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.ts';
import type { CloneEngine } from '../clone/types.ts';
import type { RepairResult } from '../core/repair-types.ts';
import { bullPrefix } from '../jobs/clone-queue.ts';
import { logQueueErrors } from '../jobs/log-queue-errors.ts';
import { createNodeSlots } from '../jobs/node-slots.ts';
import type { Logger } from '../logger.ts';
import type { ProxmoxClient } from '../proxmox/types.ts';
import { DEFAULT_PREFIX } from '../requests/request-keys.ts';
import {
  renderRepairOutcome,
  renderRepairProgress,
  renderRepairRefusal,
} from '../slack/messages/repair-message.ts';
import { planLiveRepair } from './plan-live-repair.ts';
import { REPAIR_QUEUE_NAME, type RepairJobData } from './repair-queue.ts';
import { runRepair } from './run-repair.ts';
import { withNodeSlots } from './with-node-slots.ts';

/** What the repair worker needs; the composition root builds it next to the clone worker. */
export interface RepairWorkerDeps {
  connection: Redis;
  proxmox: ProxmoxClient;
  engine: CloneEngine;
  slack: Pick<WebClient, 'chat'>;
  clock: Clock;
  /** Real time for node-slot leases (shared with the clone workers). */
  leaseClock?: Clock;
  logger: Logger;
  /** CLONE_CONCURRENCY_PER_NODE: a repair holds a slot on its source and target node, as clones do. */
  concurrencyPerNode: number;
  lockStuckMs: number;
  templateNodeIds?: ReadonlyMap<string, number> | undefined;
  /** At most one progress edit per this long (PROGRESS_INTERVAL_SECONDS). */
  progressIntervalMs: number;
  prefix?: string;
  name?: string;
  slotRetryMs?: number;
}

/**
 * A BullMQ worker running template repairs: the plan made once (and kept in the job for a resumed run),
 * one message in the asker's channel edited with the step as it goes, the result in its thread like a
 * clone's. Slots are the clones' own per-node slots (same Redis keys), so repairs and clones share the limit.
 */
export async function createRepairWorker(deps: RepairWorkerDeps): Promise<Worker<RepairJobData>> {
  const logger = deps.logger.child({ component: 'repair-worker' });
  const prefix = deps.prefix ?? DEFAULT_PREFIX;
  const slots = createNodeSlots(deps.connection, {
    prefix,
    ...(deps.leaseClock !== undefined ? { clock: deps.leaseClock } : {}),
  });
  const live = {
    proxmox: deps.proxmox,
    lockStuckMs: deps.lockStuckMs,
    templateNodeIds: deps.templateNodeIds,
  };

  const runJob = async (job: Job<RepairJobData>): Promise<string> => {
    let data = job.data;
    const save = async (patch: Partial<RepairJobData>) => {
      data = { ...data, ...patch };
      await job.updateData(data);
    };
    if (data.delivered) return 'delivered already';
    let plan = data.plan;
    if (!plan) {
      const planned = await planLiveRepair(
        { ...live, now: deps.clock.now() },
        data.base,
        data.node,
        data.confirmReplace,
      );
      if (!planned.ok) {
        await deps.slack.chat.postMessage({ channel: data.channel, ...renderRepairRefusal(planned.refusal) });
        await save({ delivered: true });
        return `refused: ${planned.refusal.code}`;
      }
      plan = planned.plan;
      await save({ plan });
    }
    const fixed = plan;
    if (data.messageTs === undefined) {
      const posted = await deps.slack.chat.postMessage({
        channel: data.channel,
        ...renderRepairProgress(fixed, data.requestedBy),
      });
      if (typeof posted.ts === 'string') await save({ messageTs: posted.ts });
    }
    let lastEdit = 0;
    const result: RepairResult = await withNodeSlots(
      {
        slots,
        limitPerNode: deps.concurrencyPerNode,
        clock: deps.clock,
        logger,
        retryMs: deps.slotRetryMs ?? 5000,
      },
      [fixed.source.node, fixed.node],
      `repair:${job.id}`,
      () =>
        runRepair({ proxmox: deps.proxmox, engine: deps.engine, clock: deps.clock, logger }, fixed, {
          ...(data.checkpoint === undefined ? {} : { resume: data.checkpoint }),
          onCheckpoint: (checkpoint) => save({ checkpoint }),
          onProgress: async (p) => {
            await job.updateProgress({ message: p.message, step: p.step, steps: p.steps });
            const now = deps.clock.now();
            if (data.messageTs === undefined || now - lastEdit < deps.progressIntervalMs) return;
            lastEdit = now;
            await deps.slack.chat
              .update({
                channel: data.channel,
                ts: data.messageTs,
                ...renderRepairProgress(fixed, data.requestedBy, p),
              })
              .catch((err: unknown) => logger.warn({ err: String(err) }, 'repair progress edit failed'));
          },
        }),
    );
    // The result is delivered once; a retry of a delivery that failed runs the (finished) plan again, which
    // only re-reads the end state: no step is sent twice.
    const outcome = renderRepairOutcome(result, data.requestedBy);
    if (data.messageTs !== undefined) {
      await deps.slack.chat
        .update({ channel: data.channel, ts: data.messageTs, ...outcome })
        .catch((err: unknown) => logger.warn({ err: String(err) }, 'repair message edit failed'));
    }
    await deps.slack.chat.postMessage({
      channel: data.channel,
      ...outcome,
      ...(data.messageTs === undefined ? {} : { thread_ts: data.messageTs }),
    });
    await save({ delivered: true });
    logger.info(
      { audit: true, base: fixed.base, node: fixed.node, ok: result.ok, by: data.requestedBy },
      'template repair ended',
    );
    return result.ok ? 'repaired' : 'failed';
  };

  const worker = new Worker<RepairJobData>(deps.name ?? REPAIR_QUEUE_NAME, runJob, {
    connection: deps.connection,
    prefix: bullPrefix(prefix),
    concurrency: 50,
    lockDuration: 30_000,
    maxStalledCount: 10,
  });
  worker.on('failed', (job, err) =>
    logger.warn({ jobId: job?.id, err: String(err) }, 'repair job attempt failed'),
  );
  logQueueErrors(worker, logger, 'repair worker');
  await worker.waitUntilReady();
  return worker;
}
