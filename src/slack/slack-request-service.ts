import type { WebClient } from '@slack/web-api';
import type { Clock } from '../clock.ts';
import type { CloneConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createRequestService, type RequestQueue, type RequestService } from '../requests/request-service.ts';
import type { RequestStore } from '../requests/types.ts';
import type { VmLifecycleProxmox } from '../vm/types.ts';
import { quotaApprovalCheck } from './quota-approval-check.ts';
import { createSlackRequestMessenger } from './slack-request-messenger.ts';

/** The request service with its messenger on Slack (the bot's client), and the quota checked at approval. */
export function slackRequestService(deps: {
  store: RequestStore;
  queue: RequestQueue;
  client: WebClient;
  clock: Clock;
  logger: Logger;
  cloneConfig?: Pick<CloneConfig, 'policy'>;
  vmLifecycle?: VmLifecycleProxmox;
}): RequestService {
  const { store, client, logger, vmLifecycle } = deps;
  const policy = deps.cloneConfig?.policy;
  return createRequestService({
    store,
    queue: deps.queue,
    messenger: createSlackRequestMessenger({ client, store, logger }),
    clock: deps.clock,
    logger,
    ...(vmLifecycle !== undefined && policy !== undefined
      ? { approvalCheck: quotaApprovalCheck({ proxmox: vmLifecycle, store }, policy, logger) }
      : {}),
  });
}
