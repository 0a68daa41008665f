import type { Server } from 'node:http';
import type { App } from '@slack/bolt';
import { createHealthCheck } from '../health/create-health-check.ts';
import { scrubSecrets } from '../ops/run-readiness-checks.ts';
import { type OpsServer, serveOpsRoutes } from '../ops/serve-ops-routes.ts';
import { createSshKeyStore } from '../requests/ssh-key-store.ts';
import { boltLogger } from '../slack/bolt-logger.ts';
import { checkAppToken } from '../slack/check-app-token.ts';
import { createSlackApp } from '../slack/create-slack-app.ts';
import { createSocketReceiver } from '../slack/create-socket-receiver.ts';
import { createDeliveryGuard } from '../slack/delivery-guard.ts';
import { healthSubcommand } from '../slack/listeners/commands/health-subcommand.ts';
import { slackRequestService } from '../slack/slack-request-service.ts';
import { trackSocketState } from '../slack/socket-state.ts';
import { startExpirySweeper } from '../slack/start-expiry-sweeper.ts';
import type { Adapters } from './create-adapters.ts';
import type { ServicesConfig, StartServicesOptions } from './services-types.ts';
import { whoAmI } from './who-am-i.ts';

/** What the bot side runs; `server` is on PORT: Bolt's in HTTP mode, the ops server in Socket Mode. */
export interface BotParts {
  app: App;
  server?: Server;
  /** Socket Mode: /healthz and /metrics on PORT (Bolt's receiver has no server of its own then). */
  opsServer?: OpsServer;
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
  const appToken = config.slack.appToken;
  // Socket Mode: a bad app token stops the start here, named; the receiver is ours so its state is known.
  if (appToken !== undefined) {
    await checkAppToken({ appToken, apiUrl: config.slack.apiUrl, fetch: adapters.slackFetch });
  }
  const receiver =
    appToken !== undefined
      ? createSocketReceiver({
          appToken,
          apiUrl: config.slack.apiUrl,
          logger: boltLogger(logger.child({ component: 'slack' })),
          fetch: adapters.slackFetch,
          ...(options.socketTiming !== undefined ? { timing: options.socketTiming } : {}),
        })
      : undefined;
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
    sshKeys: createSshKeyStore(adapters.redis, prefix),
    vmLifecycle: proxmox,
    customRoutes: adapters.routes,
    identity,
    fetch: adapters.slackFetch,
    subcommands: [health, ...(options.subcommands ?? [])],
    repairs: {
      queue: adapters.repairQueue,
      proxmox,
      lockStuckMs: adapters.healthConfig.lockStuckMs,
      templateNodeIds: config.clone.templateNodeIds,
      now: () => clock.now(),
    },
    ...(receiver !== undefined ? { receiver } : {}),
    deliveryGuard: createDeliveryGuard({
      redis: adapters.redis,
      ...(prefix !== undefined ? { prefix } : {}),
    }),
  });
  let opsServer: OpsServer | undefined;
  let started: unknown;
  if (receiver !== undefined) {
    adapters.checks.slack_socket = trackSocketState(receiver, logger).check;
    opsServer = await serveOpsRoutes(adapters.routes, config.slack.port);
    try {
      started = await app.start();
    } catch (err) {
      await opsServer.close().catch(() => undefined);
      const code = (err as { data?: { error?: unknown } }).data?.error;
      throw new Error(
        `SLACK_APP_TOKEN: Socket Mode did not connect (${typeof code === 'string' ? code : scrubSecrets(String(err))})`,
      );
    }
  } else {
    started = await app.start(config.slack.port);
  }
  const stopSweeper = startExpirySweeper({
    requests: slackRequestService({ store, queue: adapters.queue, client: app.client, clock, logger }),
    clock,
    logger,
    intervalMs: options.expirySweepMs ?? 60_000,
  });
  return {
    app,
    server: opsServer?.server ?? (started as Server),
    ...(opsServer ? { opsServer } : {}),
    stopSweeper,
  };
}
