import type { WebClient } from '@slack/web-api';
import type { Clock } from '../clock.ts';
import type { Logger } from '../logger.ts';
import { createRequestService, type RequestQueue, type RequestService } from '../requests/request-service.ts';
import type { RequestStore } from '../requests/types.ts';
import { createSlackRequestMessenger } from './slack-request-messenger.ts';

/** The request service with its messenger on Slack (the bot's client). */
export function slackRequestService(deps: {
  store: RequestStore;
  queue: RequestQueue;
  client: WebClient;
  clock: Clock;
  logger: Logger;
}): RequestService {
  const { store, client, logger } = deps;
  return createRequestService({
    store,
    queue: deps.queue,
    messenger: createSlackRequestMessenger({ client, store, logger }),
    clock: deps.clock,
    logger,
  });
}
