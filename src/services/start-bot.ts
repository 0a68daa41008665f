import type { Server } from 'node:http';
import type { App } from '@slack/bolt';
import { createHealthCheck } from '../health/create-health-check.ts';
import { healthSubcommand } from '../health/health-subcommand.ts';
import { createSlackApp } from '../slack/create-slack-app.ts';
import { startExpirySweeper } from '../slack/start-expiry-sweeper.ts';
import type { Adapters } from './create-adapters.ts';
import type { ServicesConfig, StartServicesOptions } from './services-types.ts';
import { whoAmI } from './who-am-i.ts';

/** What the bot side runs; `server` is Bolt's HTTP server (absent in Socket Mode). */
export interface BotParts {
  app: App;
  server?: Server;
  stopSweeper: () => void;
}

/** The bot side: the Slack app (with /clone health and the ops routes) and the approval expiry sweeper. */
export async function startBot(
  config: ServicesConfig,
  adapters: Adapters,
  options: StartServicesOptions,
): Promise<BotParts> {
  const { clock, logger, prefix, store, proxmox } = adapters;
  const identity = options.identity ?? (await whoAmI(config.slack, logger));
  const health = healthSubcommand({
    check: createHealthCheck({
      redis: adapters.redis,
      proxmox,
      clock,
      logger: logger.child({ component: 'health' }),
      config: adapters.healthConfig,
      cloneConfig: config.clone,
      ...(prefix !== undefined ? { prefix } : {}),
    }),
    logger,
  });
  const app = createSlackApp({
    config: config.slack,
    cloneConfig: config.clone,
    engine: adapters.engine,
    store,
    queue: adapters.queue,
    inventory: proxmox,
    vms: proxmox,
    clock,
    logger,
    proxmoxUiUrl: config.proxmox.url,
    customRoutes: adapters.routes,
    identity,
    fetch: adapters.slackFetch,
    subcommands: [health, ...(options.subcommands ?? [])],
  });
  const started = await app.start(config.slack.port);
  const stopSweeper = startExpirySweeper({
    store,
    client: app.client,
    clock,
    logger,
    intervalMs: options.expirySweepMs ?? 60_000,
  });
  return {
    app,
    ...(config.slack.appToken === undefined ? { server: started as Server } : {}),
    stopSweeper,
  };
}
