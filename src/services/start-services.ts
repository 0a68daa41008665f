import { startApprovedReconciler } from '../jobs/start-approved-reconciler.ts';
import { type OpsServer, serveOpsRoutes } from '../ops/serve-ops-routes.ts';
import { probeSentinels } from '../redis/probe-sentinels.ts';
import { backfillOpenIndex } from '../requests/backfill-open-index.ts';
import { createAdapters } from './create-adapters.ts';
import type { Services, ServicesConfig, StartServicesOptions } from './services-types.ts';
import type { BotParts } from './start-bot.ts';
import { startWorker, type WorkerParts } from './start-worker.ts';
import { stopServices } from './stop-services.ts';

export type { ServiceMode, Services, ServicesConfig, StartServicesOptions } from './services-types.ts';

/**
 * The composition root: config → adapters → worker and/or Slack app. main.ts calls it with the environment's
 * config; tests and the demo with their own.
 */
export async function startServices(
  config: ServicesConfig,
  options: StartServicesOptions = {},
): Promise<Services> {
  // Sentinel's client retries a wrong master name or dead sentinels forever: stop here instead, naming the variable.
  await probeSentinels(config.redis);
  const adapters = createAdapters(config, options);
  const { mode, logger } = adapters;
  // Requests in flight from before the quota's per-user index go into it, once per Redis. Awaited: the first
  // quota check after a deploy counts them. A failure is logged (the next start retries), not fatal.
  await backfillOpenIndex(adapters.redis, {
    ...(adapters.prefix !== undefined ? { prefix: adapters.prefix } : {}),
    logger: logger.child({ component: 'requests' }),
  }).catch((err: unknown) => logger.error({ err }, 'could not backfill the per-user quota index'));
  // An approval whose process died before it queued the job is queued here (at start, then every minute).
  const stopReconciler = startApprovedReconciler({
    store: adapters.store,
    queue: adapters.queue,
    clock: adapters.clock,
    logger: logger.child({ component: 'requests' }),
    intervalMs: 60_000,
  });
  let worker: WorkerParts | undefined;
  if (adapters.workerRedis) {
    worker = await startWorker(config, adapters, adapters.workerRedis, options);
  }
  let bot: BotParts | undefined;
  let opsServer: OpsServer | undefined;
  if (mode !== 'worker') {
    // Loaded only here: a worker never needs Bolt, its receivers and listeners (~15 MiB of its idle RSS).
    const { startBot } = await import('./start-bot.ts');
    bot = await startBot(config, adapters, options);
  } else {
    opsServer = await serveOpsRoutes(adapters.routes, config.slack.port);
  }
  const server = bot?.server ?? opsServer?.server;
  const address = server?.address();
  const port = typeof address === 'object' && address !== null ? address.port : undefined;
  logger.info({ mode, port }, 'pve-clonebot started');

  return {
    mode,
    ...(bot ? { app: bot.app } : {}),
    ...(server ? { server } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(worker ? { worker: worker.worker } : {}),
    store: adapters.store,
    proxmox: adapters.proxmox,
    metrics: adapters.metrics,
    logger,
    stop: (stopOptions = {}) =>
      stopServices(
        {
          adapters,
          ...(bot ? { bot } : {}),
          ...(worker ? { worker } : {}),
          ...(opsServer ? { opsServer } : {}),
          stopReconciler,
        },
        stopOptions,
      ),
  };
}
