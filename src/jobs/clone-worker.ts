import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { type Clock, systemClock } from '../clock.ts';
import type { CloneEngine } from '../clone/types.ts';
import { DEFAULT_LOCK_RETRY, type LockRetryPolicy } from '../core/lock-retry.ts';
import type { Logger } from '../logger.ts';
import { FencedOutError } from '../requests/fenced-out-error.ts';
import { DEFAULT_PREFIX, requestKeys } from '../requests/request-keys.ts';
import type { RequestStore } from '../requests/types.ts';
import type { VmPreparer } from '../vm/create-vm-preparer.ts';
import { type CloneJobOutcome, createCloneProcessor, type SharedStorageLimit } from './clone-processor.ts';
import { bullPrefix, CLONE_QUEUE_NAME, type CloneJobData } from './clone-queue.ts';
import { type CloneTaskLookup, failExhaustedJob } from './fail-exhausted-job.ts';
import { logQueueErrors } from './log-queue-errors.ts';
import { createNodeSlots } from './node-slots.ts';
import type { CloneNotifier } from './types.ts';

/** What createCloneWorker needs. `connection` must have `maxRetriesPerRequest: null` (BullMQ blocks on it). */
export interface CloneWorkerDeps {
  connection: Redis;
  engine: CloneEngine;
  store: RequestStore;
  notifier: CloneNotifier;
  clock: Clock;
  logger: Logger;
  /** Clones at once per Proxmox node, across every worker process sharing this Redis. */
  concurrencyPerNode: number;
  /** Which shared storages a clone writes, and how many clones at once may write each (cluster-wide). */
  sharedStorages?: SharedStorageLimit;
  /** Jobs this process works on at once (each is a wait on Proxmox; WORKER_CONCURRENCY). Default 200. */
  concurrency?: number;
  prefix?: string;
  name?: string;
  /** BullMQ job lock (real ms): a worker silent this long is presumed dead and its job resumed elsewhere. Default 30 s. */
  lockDurationMs?: number;
  /** How often (real ms) workers look for stalled jobs. Default 30 s. */
  stalledIntervalMs?: number;
  /** Real ms a job waits before asking again for a node slot. Default 5 s. */
  slotRetryMs?: number;
  /** Storage lock timeouts: new attempts and the first pause (real ms, doubling). Default 3, 30 s. */
  lockRetry?: LockRetryPolicy;
  /** Node-slot lease lifetime, in `leaseClock` time. Default 60 s. */
  leaseMs?: number;
  /**
   * Time for node-slot leases, which must agree across every worker process: real time (the default) in
   * production, where `clock` may be scaled per process; tests may pass a controlled one.
   */
  leaseClock?: Clock;
  /** After a successful clone: owner record, cloud-init, start, addresses (issue 10). */
  prepareVm?: VmPreparer;
  /** Reads the clone task of a job that gave up, so Delete is offered only for a failed one. */
  cloneLookup?: CloneTaskLookup;
  /** After each checkpoint is saved: wait for a Redis replica to hold it (Sentinel only). */
  replicate?: () => Promise<void>;
}

/** A running clone worker. */
export interface CloneWorker {
  worker: Worker<CloneJobData, CloneJobOutcome>;
  /**
   * Stops taking jobs and waits for the running ones (SIGTERM drain). A clone can run for many minutes: after
   * `drainTimeoutMs` it stops waiting and resolves; once the process exits, its job locks expire, the jobs
   * count as stalled and another worker resumes each from its checkpoint (monitoring the same Proxmox task).
   */
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
}

/**
 * Starts a BullMQ worker running clone jobs, plus a subscription to `${prefix}cancel` that aborts the
 * clone a cancel names (the engine then stops its Proxmox task). Resolves once both are ready.
 */
export async function createCloneWorker(deps: CloneWorkerDeps): Promise<CloneWorker> {
  const prefix = deps.prefix ?? DEFAULT_PREFIX;
  const logger = deps.logger.child({ component: 'clone-worker' });
  const running = new Map<string, AbortController>();
  const attempts = new Map<string, AbortController>();
  const leaseClock = deps.leaseClock ?? systemClock;
  const slots = createNodeSlots(deps.connection, {
    prefix,
    // Expiry by Redis's TIME unless a test gives its clock; the renewals' timer is the lease clock.
    ...(deps.leaseClock !== undefined ? { clock: deps.leaseClock } : {}),
    ...(deps.leaseMs !== undefined ? { leaseMs: deps.leaseMs } : {}),
  });
  const processor = createCloneProcessor({
    engine: deps.engine,
    store: deps.store,
    notifier: deps.notifier,
    slots,
    clock: deps.clock,
    leaseClock,
    logger,
    concurrencyPerNode: deps.concurrencyPerNode,
    ...(deps.sharedStorages ? { sharedStorages: deps.sharedStorages } : {}),
    slotRetryMs: deps.slotRetryMs ?? 5000,
    running,
    attempts,
    ...(deps.prepareVm ? { prepareVm: deps.prepareVm } : {}),
    ...(deps.replicate ? { replicate: deps.replicate } : {}),
    lockRetry: deps.lockRetry ?? DEFAULT_LOCK_RETRY,
  });

  // Pub/sub needs a connection of its own; it is derived from the one we were given and closed with us.
  const subscriber = deps.connection.duplicate();
  const channel = requestKeys(prefix).cancelChannel;
  subscriber.on('message', (ch: string, id: string) => {
    if (ch !== channel) return;
    const run = running.get(id);
    if (!run) return;
    logger.info({ requestId: id }, 'cancel received: stopping the clone');
    run.abort(new Error('cancelled'));
  });
  subscriber.on('error', (err: unknown) => logger.warn({ err }, 'cancel subscription error'));
  await subscriber.subscribe(channel);

  const worker = new Worker<CloneJobData, CloneJobOutcome>(deps.name ?? CLONE_QUEUE_NAME, processor, {
    connection: deps.connection,
    prefix: bullPrefix(prefix),
    concurrency: deps.concurrency ?? 200,
    lockDuration: deps.lockDurationMs ?? 30_000,
    stalledInterval: deps.stalledIntervalMs ?? 30_000,
    // A job may be orphaned by several dying workers in a row; each time it must resume, not fail.
    maxStalledCount: 10,
  });
  worker.on('completed', (job, outcome) => logger.info({ requestId: job.id, outcome }, 'clone job ended'));
  worker.on('failed', (job, err) => {
    const final =
      err.name === 'UnrecoverableError' ||
      (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1));
    logger.warn(
      { requestId: job?.id, err, attemptsMade: job?.attemptsMade, attempts: job?.opts.attempts, final },
      'clone job attempt failed',
    );
    if (final && job !== undefined) {
      const failDeps = {
        store: deps.store,
        notifier: deps.notifier,
        clock: deps.clock,
        logger,
        ...(deps.cloneLookup ? { lookup: deps.cloneLookup } : {}),
      };
      failExhaustedJob(failDeps, job.data.requestId, err, job.attemptsMade).catch((e: unknown) =>
        logger.error({ requestId: job.id, err: e }, 'could not record the failed clone job'),
      );
    }
  });
  // BullMQ does not stop a processor whose lock it could not renew (the process was paused, Redis was out):
  // the job may be another worker's already. Abort its run; its fenced writes would be refused anyway.
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const jobId of jobIds) {
      logger.warn({ requestId: jobId }, 'could not renew the job lock: stopping this run of the clone');
      attempts.get(jobId)?.abort(new FencedOutError(jobId, 'the job lock'));
    }
  });
  worker.on('stalled', (jobId) => logger.warn({ requestId: jobId }, 'clone job stalled: it will be resumed'));
  logQueueErrors(worker, logger, 'clone worker');
  await worker.waitUntilReady();

  return {
    worker,
    async close(options = {}) {
      const drained = worker.close();
      if (options.drainTimeoutMs === undefined) await drained;
      else {
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), options.drainTimeoutMs);
        });
        const outcome = await Promise.race([drained, timedOut]);
        clearTimeout(timer);
        if (outcome === 'timeout') {
          logger.warn(
            { running: [...running.keys()] },
            'drain timed out: these clones resume on another worker',
          );
        }
      }
      subscriber.disconnect();
    },
  };
}
