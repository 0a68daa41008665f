import { WebClient } from '@slack/web-api';
import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { sharedStoragesLookup } from '../clone/shared-storages-written.ts';
import { createHealthWorker, type HealthWorker } from '../health/create-health-worker.ts';
import { type CloneWorker, createCloneWorker } from '../jobs/clone-worker.ts';
import { startCloningReconciler } from '../jobs/reconcile-cloning-requests.ts';
import { startRedeliverySweeper } from '../jobs/start-redelivery-sweeper.ts';
import { type ReplicaWait, waitForReplica } from '../redis/wait-for-replica.ts';
import { createRepairWorker } from '../repair/create-repair-worker.ts';
import type { RepairJobData } from '../repair/repair-queue.ts';
import { DEFAULT_PREFIX } from '../requests/request-keys.ts';
import { boltLogger } from '../slack/bolt-logger.ts';
import { createDeliveryOutbox, type DeliveryOutbox } from '../slack/delivery-outbox.ts';
import { createSlackHealthPublisher } from '../slack/health-publisher.ts';
import { createSharedTokenBucket } from '../slack/shared-token-bucket.ts';
import { createSlackLeaseNotifier } from '../slack/slack-lease-notifier.ts';
import { createVmPreparer } from '../vm/create-vm-preparer.ts';
import { startLeaseSweeper } from '../vm/start-lease-sweeper.ts';
import type { Adapters } from './create-adapters.ts';
import { productionNotifier } from './production-notifier.ts';
import type { ServicesConfig, StartServicesOptions } from './services-types.ts';

/** What the worker side runs; stopped in this order by stopServices. */
export interface WorkerParts {
  worker: CloneWorker;
  outbox: DeliveryOutbox;
  healthWorker: HealthWorker;
  stopRedelivery: () => void;
  /** Finishes `cloning` requests whose job BullMQ failed silently (stalled too often) or lost (issue 14 item 4). */
  stopCloningReconciler: () => void;
  /** The lease sweep (issue 10 item 3): expiry warnings, stop + delete at the end. */
  stopLeaseSweep: () => void;
  repairWorker: Worker<RepairJobData>;
  /** Sentinel: the checkpoints' WAIT connection, closed once the clone worker has stopped. */
  replicaWait?: ReplicaWait;
}

/** The worker side: health worker, delivery outbox, clone worker and the redelivery sweeper. */
export async function startWorker(
  config: ServicesConfig,
  adapters: Adapters,
  workerRedis: Redis,
  options: StartServicesOptions,
): Promise<WorkerParts> {
  const { clock, logger, prefix, store, queue, redis, metrics } = adapters;
  const slack = {
    slackApiUrl: config.slack.apiUrl,
    logger: boltLogger(logger),
    fetch: adapters.slackFetch,
  };
  // Without a channel the health worker still runs (posting nothing): it removes schedules an earlier config
  // registered.
  const publisher = createSlackHealthPublisher(
    new WebClient(config.slack.botToken, slack),
    adapters.healthConfig.channel,
  );
  const healthWorker = await createHealthWorker({
    connection: workerRedis,
    proxmox: adapters.proxmox,
    publisher,
    clock,
    logger,
    config: adapters.healthConfig,
    cloneConfig: config.clone,
    ...(prefix !== undefined ? { prefix } : {}),
  });
  // Slack effects of clones go through the delivery outbox (its own queue): a clone job ends when its
  // outcome is saved, whatever Slack answers. The outbox waits Retry-After itself, so its client neither
  // retries nor queues rate-limited calls.
  const outbox = createDeliveryOutbox({
    connection: workerRedis,
    store,
    client: new WebClient(config.slack.botToken, {
      ...slack,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
    }),
    // One chat.update budget for all workers: Slack's ~50/min is per workspace, not per process.
    budget: createSharedTokenBucket({
      redis,
      key: `${prefix ?? DEFAULT_PREFIX}slack:chat-update-budget`,
      capacity: 10,
      perMinute: 40,
    }),
    clock,
    logger,
    proxmoxUiUrl: config.proxmox.url,
    ...(prefix !== undefined ? { prefix } : {}),
    onDelivery: (kind, outcome) => metrics.recordDelivery(kind, outcome),
  });
  const notifier = productionNotifier(outbox.notifier, metrics);
  const replicaWait =
    config.redis.sentinel !== undefined ? waitForReplica(redis, logger, 1000, prefix) : undefined;
  const worker = await createCloneWorker({
    connection: workerRedis,
    engine: adapters.engine,
    store,
    notifier,
    clock,
    logger,
    concurrencyPerNode: config.clone.concurrencyPerNode,
    sharedStorages: {
      limit: config.clone.concurrencyPerSharedStorage,
      of: sharedStoragesLookup({ engine: adapters.engine, proxmox: adapters.proxmox }),
    },
    lockRetry: config.clone.lockRetry,
    concurrency: adapters.workerConfig.concurrency,
    prepareVm: createVmPreparer({ proxmox: adapters.proxmox, clock, logger }),
    cloneLookup: {
      taskStatus: (upid) => adapters.proxmox.getTaskStatus(upid),
      findStartedClone: (cp) => adapters.engine.findStartedClone(cp),
    },
    // WAIT on a connection of its own (see waitForReplica), never blocking the store's.
    ...(replicaWait !== undefined ? { replicate: replicaWait } : {}),
    ...(prefix !== undefined ? { prefix } : {}),
    ...(options.worker ?? {}),
  });
  // Results whose job gave up delivering (a long Slack outage) are delivered later, never dropped.
  const stopRedelivery = startRedeliverySweeper({
    store,
    queue,
    notifier,
    clock,
    logger,
    intervalMs: 5 * 60_000,
  });
  // A job that stalled past maxStalledCount is failed inside BullMQ's Lua with no `failed` event: its
  // request would stay `cloning` with no reply. Checked at start and every minute, in every worker.
  const stopCloningReconciler = startCloningReconciler({
    store,
    queue,
    notifier,
    findStartedClone: (cp) => adapters.engine.findStartedClone(cp),
    clock,
    logger: logger.child({ component: 'requests' }),
    intervalMs: 60_000,
  });
  const stopLeaseSweep = startLeaseSweeper({
    proxmox: adapters.proxmox,
    clock,
    logger: logger.child({ component: 'lease-sweep' }),
    notifier: createSlackLeaseNotifier(new WebClient(config.slack.botToken, slack), logger),
    redis,
    ...(prefix !== undefined ? { prefix } : {}),
    ...(config.clone.policy !== undefined ? { policy: config.clone.policy } : {}),
    intervalMs: 5 * 60_000,
  });
  // Template repairs: their own queue, the clones' per-node slots; messages straight to the asker's channel.
  const repairWorker = await createRepairWorker({
    connection: workerRedis,
    proxmox: adapters.proxmox,
    engine: adapters.engine,
    slack: new WebClient(config.slack.botToken, slack),
    clock,
    logger,
    concurrencyPerNode: config.clone.concurrencyPerNode,
    lockStuckMs: adapters.healthConfig.lockStuckMs,
    templateNodeIds: config.clone.templateNodeIds,
    progressIntervalMs: config.clone.progressIntervalMs,
    ...(prefix !== undefined ? { prefix } : {}),
  });
  return {
    worker,
    outbox,
    healthWorker,
    stopRedelivery,
    stopCloningReconciler,
    stopLeaseSweep,
    repairWorker,
    ...(replicaWait !== undefined ? { replicaWait } : {}),
  };
}
