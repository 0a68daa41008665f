import { ErrorCode, type WebClient } from '@slack/web-api';
import type { Clock } from '../clock.ts';
import type { CloneProgress, CloneResult } from '../core/types.ts';
import type { CloneNotifier } from '../jobs/types.ts';
import type { Logger } from '../logger.ts';
import { statusAfterResult } from '../requests/request-lifecycle.ts';
import { createRequestMoves } from '../requests/request-moves.ts';
import type { CloneRequestRecord, RequestStatus, RequestStore } from '../requests/types.ts';
import { findProgressReply } from './find-progress-reply.ts';
import { renderProgressMessage } from './messages/progress-message.ts';
import { renderFailureMessage, renderSuccessMessage } from './messages/result-message.ts';
import { type CallBudget, createTokenBucket } from './token-bucket.ts';
import { updateRequestMessage } from './update-request-message.ts';

/** What createSlackNotifier needs. */
export interface SlackNotifierDeps {
  /** Retries 429s honouring Retry-After (the default WebClient): for the messages that must arrive. */
  client: WebClient;
  /** Built with `rejectRateLimitedCalls: true`, so a rate-limited progress edit is skipped, not queued. */
  progressClient?: WebClient;
  store: RequestStore;
  clock: Clock;
  logger: Logger;
  proxmoxUiUrl: string;
  /**
   * The chat.update budget: Slack's ~50/min (Tier 3) is per workspace, so with several workers pass one shared
   * through Redis (createSharedTokenBucket). Default: this process only, 40/min with bursts of 10.
   */
  budget?: CallBudget;
}

/** The result reply, saying so when a cancel came too late to stop the clone. */
export function resultMessage(record: CloneRequestRecord, result: CloneResult, proxmoxUiUrl: string) {
  const message = result.ok
    ? renderSuccessMessage(record, result, proxmoxUiUrl)
    : renderFailureMessage(record, result, proxmoxUiUrl);
  if (record.cancelledBy === undefined || statusAfterResult(record.status, result) === 'cancelled')
    return message;
  const late = result.ok
    ? `the clone had already finished: VM ${result.vmid} exists, delete it if it is not wanted`
    : 'the clone had already ended';
  const note = `:warning: The cancel by <@${record.cancelledBy}> came too late: ${late}.`;
  return {
    ...message,
    blocks: [
      ...message.blocks,
      { type: 'context' as const, elements: [{ type: 'mrkdwn' as const, text: note }] },
    ],
  };
}

/**
 * Tells Slack about clones: one thread reply edited with progress under a shared chat.update budget
 * (a tick over budget or meeting a 429 is skipped; the next carries newer news), the parent message's status
 * at each transition, and the result as a new reply that is retried until delivered.
 */
export function createSlackNotifier(deps: SlackNotifierDeps): CloneNotifier {
  const { client, store, clock, proxmoxUiUrl } = deps;
  const moves = createRequestMoves({ store, clock });
  const progressClient = deps.progressClient ?? client;
  const logger = deps.logger.child({ component: 'slack-notifier' });
  const budget = deps.budget ?? createTokenBucket({ capacity: 10, perMinute: 40, clock });
  const inFlight = new Map<string, Promise<unknown>>();
  // Requests finishing or finished here: a late progress tick must not overwrite the final state (bounded).
  const finishing = new Set<string>();
  const remember = (id: string) => {
    finishing.add(id);
    if (finishing.size > 1000) finishing.delete(finishing.values().next().value as string);
  };
  // Counted but never waited for: a must-send call goes out even while Redis is slow or down.
  const force = (requestId: string) => {
    Promise.resolve()
      .then(() => budget.take())
      .catch((err: unknown) =>
        logger.warn({ requestId, err: String(err) }, 'could not count an edit against the shared budget'),
      );
  };
  const tryTake = async (requestId: string) => {
    try {
      return await budget.tryTake();
    } catch (err) {
      logger.warn({ requestId, err: String(err) }, 'chat.update budget unavailable: progress edit skipped');
      return false;
    }
  };

  const edit = async (
    via: WebClient,
    record: CloneRequestRecord,
    status: RequestStatus,
    result?: CloneResult,
  ) => {
    force(record.id);
    await updateRequestMessage(via, { ...record, status, ...(result ? { result } : {}) }, logger);
  };

  return {
    async started(record) {
      // Skippable (the progress reply says the same): the clone must not wait for a rate limit here.
      await edit(progressClient, record, 'cloning');
      if (record.progressTs !== undefined) return { progressTs: record.progressTs };
      try {
        const res = await client.chat.postMessage({
          channel: record.channelId,
          ...(record.messageTs !== undefined ? { thread_ts: record.messageTs } : {}),
          ...renderProgressMessage(record, record.lastProgress),
        });
        return res.ts !== undefined ? { progressTs: res.ts } : {};
      } catch (err) {
        // The clone must not wait on Slack: without a progress reply the result still arrives at the end.
        logger.warn({ requestId: record.id, err: String(err) }, 'could not post the progress reply');
        return {};
      }
    },

    async findStarted(record) {
      if (record.messageTs === undefined) return {};
      const ts = await findProgressReply(client, record);
      logger.info({ requestId: record.id, found: ts !== undefined }, 'looked for an earlier progress reply');
      return ts !== undefined ? { progressTs: ts } : {};
    },

    async progress(record, progress: CloneProgress) {
      const ts = record.progressTs;
      if (ts === undefined || finishing.has(record.id) || inFlight.has(record.id)) return false;
      // In flight from before the token is taken: `finished` waits for all of it, the budget included.
      const call = (async () => {
        if (!(await tryTake(record.id)) || finishing.has(record.id)) return false;
        await progressClient.chat.update({
          channel: record.channelId,
          ts,
          ...renderProgressMessage(record, progress),
        });
        return true;
      })();
      inFlight.set(record.id, call);
      try {
        return await call;
      } catch (err) {
        const e = err as { code?: string; retryAfter?: number };
        if (e.code === ErrorCode.RateLimitedError) {
          // Every worker pauses: the limit that answered is the workspace's, not this process's.
          await Promise.resolve(budget.pause((e.retryAfter ?? 30) * 1000)).catch(() => undefined);
          logger.debug(
            { requestId: record.id, retryAfter: e.retryAfter },
            'progress edit rate-limited: skipped',
          );
        } else {
          logger.warn({ requestId: record.id, err: String(err) }, 'progress edit failed: skipped');
        }
        return false;
      } finally {
        inFlight.delete(record.id);
      }
    },

    async finished(record, result) {
      remember(record.id);
      // A progress edit landing after the final one would show a running clone forever.
      await inFlight.get(record.id)?.catch(() => undefined);
      // The progress reply first, so it reads as ended by the time the result appears under it.
      if (record.progressTs !== undefined) {
        // Taken even from an empty budget: progress edits (of every worker) back off instead.
        force(record.id);
        await client.chat
          .update({
            channel: record.channelId,
            ts: record.progressTs,
            ...renderProgressMessage(record, record.lastProgress, result),
          })
          .catch((err: unknown) =>
            logger.warn({ requestId: record.id, err: String(err) }, 'could not finalise the progress reply'),
          );
      }
      const fresh = (await store.get(record.id)) ?? record;
      if (!fresh.resultDelivered) {
        const message = resultMessage(record, result, proxmoxUiUrl);
        // Throws after the client's own retries: the job retries delivery (never the clone).
        await client.chat.postMessage({
          channel: record.channelId,
          ...(record.messageTs !== undefined ? { thread_ts: record.messageTs } : {}),
          ...message,
          unfurl_links: false,
        });
        await moves.delivered(record.id);
      }
      await edit(client, record, statusAfterResult(record.status, result), result);
    },
  };
}
