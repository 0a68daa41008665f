import type { FetchFunction } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { type Clock, systemClock } from '../clock.ts';
import { type CloneEngineWithChecks, createCloneEngine } from '../clone/create-clone-engine.ts';
import { type Config, loadConfig } from '../config.ts';
import { createCloneQueue } from '../jobs/clone-queue.ts';
import type { CloneQueue } from '../jobs/types.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createMetrics, type Metrics } from '../metrics.ts';
import { instrumentSlackFetch } from '../ops/instrument-slack-fetch.ts';
import { createOpsRoutes, type OpsRoute } from '../ops/ops-routes.ts';
import type { ReadinessCheck } from '../ops/run-readiness-checks.ts';
import { createProxmoxClient, insecureTlsWarning, type ProxmoxHttpClient } from '../proxmox/index.ts';
import { createRedis } from '../redis/create-redis.ts';
import { createRepairQueue, type RepairQueue } from '../repair/repair-queue.ts';
import { createRequestStore } from '../requests/request-store.ts';
import type { RequestStore } from '../requests/types.ts';
import type { ServiceMode, ServicesConfig, StartServicesOptions } from './services-types.ts';

/** What the bot and the worker are built from: one of each outside system's adapter, shared in the process. */
export interface Adapters {
  mode: ServiceMode;
  clock: Clock;
  logger: Logger;
  /** Redis key prefix (tests use a fresh one); undefined means the default. */
  prefix: string | undefined;
  healthConfig: Config['health'];
  workerConfig: Config['worker'];
  metrics: Metrics;
  /** fetch for Slack Web API clients, counting calls and failures in `metrics`. */
  slackFetch: FetchFunction;
  /** The connection the store, queue and budget share. */
  redis: Redis;
  /** The connection BullMQ workers block on (absent in bot mode). */
  workerRedis: Redis | undefined;
  proxmox: ProxmoxHttpClient;
  engine: CloneEngineWithChecks;
  store: RequestStore;
  queue: CloneQueue;
  /** Template repairs (issue 11): one job per copy; the worker shares the clones' per-node slots. */
  repairQueue: RepairQueue;
  /** /healthz and /metrics, served by Bolt's receiver in HTTP mode, else by the ops server on PORT. */
  routes: OpsRoute[];
  /** What /healthz probes; the bot adds `slack_socket` in Socket Mode. */
  checks: Record<string, ReadinessCheck>;
}

/** config → logger → Redis, Proxmox, clone engine, request store, clone queue, metrics and ops routes. */
export function createAdapters(config: ServicesConfig, options: StartServicesOptions): Adapters {
  const mode = options.mode ?? 'all';
  // Health settings all have defaults; callers without a health section get them.
  const healthConfig = config.health ?? loadConfig({}, ['health']).health;
  const workerConfig = config.worker ?? loadConfig({}, ['worker']).worker;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.log.level);
  const prefix = options.prefix;
  const warning = insecureTlsWarning(config.proxmox);
  if (warning !== undefined) logger.warn(warning);

  const metrics = createMetrics();
  const slackFetch = instrumentSlackFetch(metrics);
  // BullMQ needs maxRetriesPerRequest: null on connections it blocks on; the store shares the setting.
  const redis = createRedis(config.redis, 'service', { maxRetriesPerRequest: null });
  const workerRedis =
    mode === 'bot' ? undefined : createRedis(config.redis, 'service', { maxRetriesPerRequest: null });
  const proxmox = createProxmoxClient(config.proxmox, {
    logger: logger.child({ component: 'proxmox' }),
    clock,
    onRequest: (e) => metrics.recordProxmoxCall(e),
  });
  const engine = createCloneEngine({
    proxmox,
    clock,
    logger: logger.child({ component: 'clone' }),
    config: config.clone,
  });
  const store = createRequestStore(redis, {
    clock,
    logger: logger.child({ component: 'requests' }),
    approvalTtlMs: config.slack.approvalTtlMs,
    ...(prefix !== undefined ? { prefix } : {}),
  });
  const queueLogger = logger.child({ component: 'queue' });
  const queue = createCloneQueue(redis, { logger: queueLogger, ...(prefix !== undefined ? { prefix } : {}) });
  metrics.setQueueDepthSource(() => queue.depth());
  const repairQueue = createRepairQueue(redis, {
    logger: queueLogger,
    ...(prefix !== undefined ? { prefix } : {}),
  });
  // Health-check timeouts are real time: a sped-up clock (demo, tests) would shrink them to nothing.
  const checks = {
    redis: async () => {
      await redis.ping();
    },
    proxmox: async () => {
      await proxmox.listNodes();
    },
  } as { redis: ReadinessCheck; proxmox: ReadinessCheck } & Record<string, ReadinessCheck>;
  const routes = createOpsRoutes({ metrics, logger, checks });
  return {
    mode,
    clock,
    logger,
    prefix,
    healthConfig,
    workerConfig,
    metrics,
    slackFetch,
    redis,
    workerRedis,
    proxmox,
    engine,
    store,
    queue,
    repairQueue,
    routes,
    checks,
  };
}
