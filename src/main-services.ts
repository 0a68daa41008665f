import type { Server } from 'node:http';
import type { App } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { Redis } from 'ioredis';
import { type Clock, systemClock } from './clock.ts';
import { createCloneEngine } from './clone/create-clone-engine.ts';
import { type Config, loadConfig } from './config.ts';
import { createHealthCheck } from './health/create-health-check.ts';
import { createHealthWorker, type HealthWorker } from './health/create-health-worker.ts';
import { createSlackHealthPublisher, type HealthPublisher } from './health/health-publisher.ts';
import { healthSubcommand } from './health/health-subcommand.ts';
import { createCloneQueue } from './jobs/clone-queue.ts';
import { type CloneWorker, createCloneWorker } from './jobs/clone-worker.ts';
import { startApprovedReconciler } from './jobs/start-approved-reconciler.ts';
import { startRedeliverySweeper } from './jobs/start-redelivery-sweeper.ts';
import type { CloneNotifier } from './jobs/types.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { instrumentSlackFetch } from './ops/instrument-slack-fetch.ts';
import { createOpsRoutes } from './ops/ops-routes.ts';
import { type OpsServer, serveOpsRoutes } from './ops/serve-ops-routes.ts';
import { createProxmoxClient, insecureTlsWarning, type ProxmoxHttpClient } from './proxmox/index.ts';
import { DEFAULT_PREFIX } from './requests/request-keys.ts';
import { createRequestStore } from './requests/request-store.ts';
import type { RequestStore } from './requests/types.ts';
import { boltLogger } from './slack/bolt-logger.ts';
import { type BotIdentity, createSlackApp } from './slack/create-slack-app.ts';
import type { CloneSubcommand } from './slack/listeners/commands/subcommand-types.ts';
import { createDeliveryOutbox, type DeliveryOutbox } from './slack/delivery-outbox.ts';
import { createSharedTokenBucket } from './slack/shared-token-bucket.ts';
import { startExpirySweeper } from './slack/start-expiry-sweeper.ts';

/** Which parts run in this process: `all` (npm start), `bot` (Slack app only) or `worker` (clone worker only). */
export type ServiceMode = 'all' | 'bot' | 'worker';

/** The configuration startServices reads (the Slack section: in worker mode only the token and API URL). */
export type ServicesConfig = Pick<Config, 'proxmox' | 'clone' | 'slack' | 'redis' | 'log'> &
  Partial<Pick<Config, 'health' | 'worker'>>;

/** Knobs for tests and the demo; production uses the defaults. */
export interface StartServicesOptions {
  mode?: ServiceMode;
  logger?: Logger;
  clock?: Clock;
  /** Redis key prefix for requests, queue, slots and cancels (tests use a fresh one). */
  prefix?: string;
  /** The bot's identity; without it auth.test is called once at start (and fails fast on a bad token). */
  identity?: BotIdentity;
  subcommands?: readonly CloneSubcommand[];
  /** Worker tuning (real ms), e.g. short stalled checks in tests. */
  worker?: {
    lockDurationMs?: number;
    stalledIntervalMs?: number;
    slotRetryMs?: number;
    concurrency?: number;
  };
  /** How often pending requests past their expiry are flipped and their messages updated (clock ms; default 60 s). */
  expirySweepMs?: number;
}

/** Handles to what runs, and one way to stop it all. */
export interface Services {
  mode: ServiceMode;
  app?: App;
  /** The HTTP server (Bolt's in bot/all HTTP mode, the ops server in worker mode). */
  server?: Server;
  port?: number;
  worker?: CloneWorker;
  store: RequestStore;
  proxmox: ProxmoxHttpClient;
  metrics: Metrics;
  logger: Logger;
  /** Drains: stops taking jobs (waiting up to `drainTimeoutMs` for running clones), stops the app, quits Redis. */
  stop(options?: { drainTimeoutMs?: number }): Promise<void>;
}

/** Asks Slack who the bot is, with few retries: a wrong token or URL should stop the start, not hang it. */
async function whoAmI(config: ServicesConfig['slack'], logger: Logger): Promise<BotIdentity> {
  const client = new WebClient(config.botToken, {
    slackApiUrl: config.apiUrl,
    logger: boltLogger(logger),
    retryConfig: { retries: 2, factor: 2, minTimeout: 500 },
  });
  const res = await client.auth.test();
  if (typeof res.bot_id !== 'string' || typeof res.user_id !== 'string') {
    throw new Error(
      'SLACK_BOT_TOKEN is not a bot token: auth.test returned no bot_id (use the xoxb-… token)',
    );
  }
  return { botId: res.bot_id, botUserId: res.user_id };
}

/**
 * The wiring of the composition root: config → logger → Redis, Proxmox, engine, store, queue → Slack app
 * and/or clone worker. main.ts calls it with the environment's config; tests and the demo with their own.
 */
export async function startServices(
  config: ServicesConfig,
  options: StartServicesOptions = {},
): Promise<Services> {
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
  const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
  const workerRedis =
    mode === 'bot' ? undefined : new Redis(config.redis.url, { maxRetriesPerRequest: null });
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
  const queue = createCloneQueue(redis, prefix !== undefined ? { prefix } : {});
  metrics.setQueueDepthSource(() => queue.depth());
  // An approval whose process died before it queued the job is queued here (at start, then every minute).
  const stopReconciler = startApprovedReconciler({
    store,
    queue,
    clock,
    logger: logger.child({ component: 'requests' }),
    intervalMs: 60_000,
  });
  // Health-check timeouts are real time: a sped-up clock (demo, tests) would shrink them to nothing.
  const routes = createOpsRoutes({
    metrics,
    logger,
    checks: {
      redis: async () => {
        await redis.ping();
      },
      proxmox: async () => {
        await proxmox.listNodes();
      },
    },
  });
  const proxmoxUiUrl = config.proxmox.url;

  let worker: CloneWorker | undefined;
  let outbox: DeliveryOutbox | undefined;
  let stopRedelivery: (() => void) | undefined;
  let healthWorker: HealthWorker | undefined;
  if (workerRedis) {
    const slack = { slackApiUrl: config.slack.apiUrl, logger: boltLogger(logger), fetch: slackFetch };
    // Without a channel the health worker still runs: it removes schedules an earlier config registered.
    const publisher: HealthPublisher =
      healthConfig.channel !== undefined
        ? createSlackHealthPublisher(new WebClient(config.slack.botToken, slack), healthConfig.channel)
        : { post: async () => undefined };
    healthWorker = await createHealthWorker({
      connection: workerRedis,
      proxmox,
      publisher,
      clock,
      logger,
      config: healthConfig,
      cloneConfig: config.clone,
      ...(prefix !== undefined ? { prefix } : {}),
    });
    // Slack effects of clones go through the delivery outbox (its own queue): a clone job ends when its
    // outcome is saved, whatever Slack answers. The outbox waits Retry-After itself, so its client neither
    // retries nor queues rate-limited calls.
    outbox = createDeliveryOutbox({
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
      proxmoxUiUrl,
      ...(prefix !== undefined ? { prefix } : {}),
      onDelivery: (kind, outcome) => metrics.recordDelivery(kind, outcome),
    });
    const inner = outbox.notifier;
    // Every optional method passed through too: without findStarted a resumed job never adopts the progress
    // reply a dead worker posted (issue 9).
    const notifier: CloneNotifier = {
      started: (r) => inner.started(r),
      ...(inner.findStarted !== undefined ? { findStarted: inner.findStarted.bind(inner) } : {}),
      progress: (r, p) => inner.progress(r, p),
      async finished(r, result) {
        const handed = await inner.finished(r, result);
        metrics.recordClone(result);
        return handed;
      },
    };
    worker = await createCloneWorker({
      connection: workerRedis,
      engine,
      store,
      notifier,
      clock,
      logger,
      concurrencyPerNode: config.clone.concurrencyPerNode,
      concurrency: workerConfig.concurrency,
      ...(prefix !== undefined ? { prefix } : {}),
      ...(options.worker ?? {}),
    });
    // Results whose job gave up delivering (a long Slack outage) are delivered later, never dropped.
    stopRedelivery = startRedeliverySweeper({
      store,
      queue,
      notifier,
      clock,
      logger,
      intervalMs: 5 * 60_000,
    });
  }

  let app: App | undefined;
  let server: Server | undefined;
  let opsServer: OpsServer | undefined;
  let stopSweeper: (() => void) | undefined;
  if (mode !== 'worker') {
    const identity = options.identity ?? (await whoAmI(config.slack, logger));
    const health = healthSubcommand({
      check: createHealthCheck({
        redis,
        proxmox,
        clock,
        logger: logger.child({ component: 'health' }),
        config: healthConfig,
        cloneConfig: config.clone,
        ...(prefix !== undefined ? { prefix } : {}),
      }),
      logger,
    });
    app = createSlackApp({
      config: config.slack,
      cloneConfig: config.clone,
      engine,
      store,
      queue,
      inventory: proxmox,
      vms: proxmox,
      clock,
      logger,
      proxmoxUiUrl,
      customRoutes: routes,
      identity,
      fetch: slackFetch,
      subcommands: [health, ...(options.subcommands ?? [])],
    });
    const started = await app.start(config.slack.port);
    if (config.slack.appToken === undefined) server = started as Server;
    stopSweeper = startExpirySweeper({
      store,
      client: app.client,
      clock,
      logger,
      intervalMs: options.expirySweepMs ?? 60_000,
    });
  } else {
    opsServer = await serveOpsRoutes(routes, config.slack.port);
    server = opsServer.server;
  }
  const address = server?.address();
  const port = typeof address === 'object' && address !== null ? address.port : undefined;
  logger.info({ mode, port }, 'pve-clonebot started');

  return {
    mode,
    ...(app ? { app } : {}),
    ...(server ? { server } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(worker ? { worker } : {}),
    store,
    proxmox,
    metrics,
    logger,
    async stop(stopOptions = {}) {
      stopSweeper?.();
      stopRedelivery?.();
      stopReconciler();
      // Stop taking work first; the app still answers clicks while the worker drains.
      await worker?.close(
        stopOptions.drainTimeoutMs !== undefined ? { drainTimeoutMs: stopOptions.drainTimeoutMs } : {},
      );
      // After the clone worker: the results its last jobs handed over are in Redis, delivered by any worker.
      await outbox?.close();
      await healthWorker?.close();
      await app?.stop().catch((err: unknown) => logger.warn({ err: String(err) }, 'app stop failed'));
      await opsServer?.close().catch(() => undefined);
      await queue.close();
      engine.close();
      await proxmox.close();
      await Promise.all([redis.quit(), workerRedis?.quit()].map((p) => p?.catch(() => undefined)));
      logger.info({ mode }, 'pve-clonebot stopped');
    },
  };
}
