import { App, type SocketModeReceiver } from '@slack/bolt';
import { type FetchFunction, WebClient } from '@slack/web-api';
import { boltLogger } from './bolt-logger.ts';
import { createSocketReceiver } from './create-socket-receiver.ts';
import type { DeliveryGuard } from './delivery-guard.ts';
import { guardedReceiver } from './guarded-receiver.ts';
import { registerActions } from './listeners/actions/index.ts';
import { subcommandTable } from './listeners/commands/clone-subcommands.ts';
import { registerCommands } from './listeners/commands/index.ts';
import { registerEvents } from './listeners/events/index.ts';
import { registerViews } from './listeners/views/index.ts';
import { createSlackMembership } from './slack-membership.ts';
import { slackRequestService } from './slack-request-service.ts';
import type { SlackAppDeps, SlackServices } from './slack-services.ts';

/** The bot's identity from auth.test; passing it keeps Bolt's constructor from calling auth.test itself. */
export interface BotIdentity {
  botId: string;
  botUserId: string;
}

/**
 * The Slack app: Bolt 5 over HTTP at `/slack/events` (plus `customRoutes`), or Socket Mode when an app token
 * is configured (no HTTP server of Bolt's: the caller serves its routes on PORT); every Web API call goes
 * to `config.apiUrl`. In HTTP mode `await app.start(port)` returns the HTTP server.
 */
export function createSlackApp(
  deps: SlackAppDeps & {
    identity?: BotIdentity /** Wraps Web API calls (metrics). */;
    fetch?: FetchFunction;
    /** Socket Mode's receiver, when the caller follows its connection (else one is made here). */
    receiver?: SocketModeReceiver;
    /** Socket Mode: lets each act through once (Slack redelivers envelopes whose ack it missed). */
    deliveryGuard?: DeliveryGuard;
  },
): App {
  const { config } = deps;
  const logger = deps.logger.child({ component: 'slack' });
  const common = {
    token: config.botToken,
    ...(deps.identity ?? {}),
    logger: boltLogger(logger),
    clientOptions: { slackApiUrl: config.apiUrl, ...(deps.fetch ? { fetch: deps.fetch } : {}) },
  };
  const appToken = config.appToken;
  const socketReceiver =
    appToken !== undefined
      ? (deps.receiver ??
        createSocketReceiver({
          appToken,
          apiUrl: config.apiUrl,
          logger: common.logger,
          ...(deps.fetch ? { fetch: deps.fetch } : {}),
        }))
      : undefined;
  const app =
    socketReceiver !== undefined
      ? new App({
          ...common,
          receiver: deps.deliveryGuard
            ? guardedReceiver(socketReceiver, deps.deliveryGuard, logger)
            : socketReceiver,
        })
      : new App({
          ...common,
          customRoutes: deps.customRoutes ?? [],
          port: config.port,
          signingSecret: config.signingSecret ?? '',
          endpoints: '/slack/events',
        });
  // Group lookups on a client of their own: a 429 there must fail fast, not pause the bot's main client.
  const lookups = new WebClient(config.botToken, {
    ...common.clientOptions,
    logger: common.logger,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 1, minTimeout: 200, maxTimeout: 200 },
    timeout: 3000,
  });
  const { identity: _identity, fetch: _fetch, receiver: _receiver, deliveryGuard: _guard, ...rest } = deps;
  const services: SlackServices = {
    ...rest,
    logger,
    client: app.client,
    requests: slackRequestService({ ...deps, logger, client: app.client }),
    membership: createSlackMembership({ client: lookups, clock: deps.clock, logger }),
    subcommands: subcommandTable(deps.subcommands),
  };
  registerCommands(app, services);
  registerActions(app, services);
  registerViews(app, services);
  registerEvents(app, services);
  app.error(async (err) => {
    logger.error({ err: String(err) }, 'unhandled error in a Slack listener');
  });
  return app;
}
