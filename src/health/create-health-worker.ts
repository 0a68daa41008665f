import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.ts';
import type { CloneConfig, HealthConfig } from '../config.ts';
import { bullPrefix } from '../jobs/clone-queue.ts';
import { logQueueErrors } from '../jobs/log-queue-errors.ts';
import type { Logger } from '../logger.ts';
import type { ProxmoxClient } from '../proxmox/types.ts';
import { DEFAULT_PREFIX } from '../requests/request-keys.ts';
import { createHealthCheck } from './create-health-check.ts';
import { HEALTH_QUEUE_NAME } from './health-keys.ts';
import type { HealthPublisher } from './health-publisher.ts';
import { type HealthSchedules, registerHealthSchedules } from './health-schedules.ts';
import { createHealthProcessor, type HealthJobData, type HealthJobResult } from './process-health-job.ts';

/** What createHealthWorker needs. `connection` must have `maxRetriesPerRequest: null` (BullMQ blocks on it). */
export interface HealthWorkerDeps {
  connection: Redis;
  proxmox: ProxmoxClient;
  publisher: HealthPublisher;
  clock: Clock;
  logger: Logger;
  config: HealthConfig;
  cloneConfig: Pick<CloneConfig, 'templateNodeIds'>;
  prefix?: string;
  /** Tests: other schedules than the configured cron and interval. */
  schedules?: HealthSchedules;
}

/** A running health worker. */
export interface HealthWorker {
  queue: Queue<HealthJobData, HealthJobResult>;
  worker: Worker<HealthJobData, HealthJobResult>;
  close(): Promise<void>;
}

/**
 * Starts the health worker: registers the report and change-check schedules (idempotent, so every worker
 * process may) and runs their jobs one at a time, posting through `publisher`.
 */
export async function createHealthWorker(deps: HealthWorkerDeps): Promise<HealthWorker> {
  const prefix = deps.prefix ?? DEFAULT_PREFIX;
  const logger = deps.logger.child({ component: 'health' });
  const queue = new Queue<HealthJobData, HealthJobResult>(HEALTH_QUEUE_NAME, {
    connection: deps.connection,
    prefix: bullPrefix(prefix),
  });
  logQueueErrors(queue, logger, 'health queue');
  const { registered } = await registerHealthSchedules(queue, deps.config, deps.schedules);
  if (!registered) logger.info('HEALTH_REPORT_CHANNEL is not set: no scheduled health report or alerts');
  const check = createHealthCheck({ ...deps, redis: deps.connection, logger, prefix });
  const processor = createHealthProcessor({
    redis: deps.connection,
    check,
    publisher: deps.publisher,
    logger,
    prefix,
  });
  const worker = new Worker<HealthJobData, HealthJobResult>(HEALTH_QUEUE_NAME, processor, {
    connection: deps.connection,
    prefix: bullPrefix(prefix),
    concurrency: 1,
  });
  worker.on('failed', (job, err) => logger.warn({ job: job?.name, err: String(err) }, 'health job failed'));
  logQueueErrors(worker, logger, 'health worker');
  await worker.waitUntilReady();
  return {
    queue,
    worker,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
