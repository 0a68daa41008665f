import type { WebClient } from '@slack/web-api';
import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.ts';
import { bullPrefix } from '../jobs/clone-queue.ts';
import { logQueueErrors } from '../jobs/log-queue-errors.ts';
import type { CloneNotifier } from '../jobs/types.ts';
import type { Logger } from '../logger.ts';
import { DEFAULT_PREFIX } from '../requests/request-keys.ts';
import { statusAfterResult } from '../requests/request-lifecycle.ts';
import { createRequestMoves } from '../requests/request-moves.ts';
import type { CloneRequestRecord, RequestStore } from '../requests/types.ts';
import { findProgressReply } from './find-progress-reply.ts';
import { renderProgressMessage } from './messages/progress-message.ts';
import { renderRequestMessage } from './messages/request-message.ts';
import { postResultReply, RetryableSlackError } from './post-result-reply.ts';
import { classifySlackError, type SlackFailure } from './slack-errors.ts';
import { resultMessage } from './slack-notifier.ts';
import type { CallBudget } from './token-bucket.ts';

/** The outbox's BullMQ queue: `${prefix}bull:clone-delivery:…`. */
export const DELIVERY_QUEUE_NAME = 'clone-delivery';

/** What goes through the outbox: a final reply, a request-message (parent) edit, a progress edit. */
export type DeliveryKind = 'final' | 'parent' | 'progress';

/** How one delivery ended, for metrics: `abandoned` = every place and try refused (audited). */
export type DeliveryOutcome = 'delivered' | 'fallback' | 'skipped' | 'retried' | 'abandoned';

interface DeliveryJobData {
  requestId: string;
  /** Waits for Slack's Retry-After so far (bounded; not attempts). */
  rateLimitWaits?: number;
  /** The progress reply was finalised (or is gone): a retry of the final job does not edit it again. */
  progressFinal?: boolean;
}

/** What createDeliveryOutbox needs. Times in real ms (BullMQ's delays are real). */
export interface DeliveryOutboxDeps {
  /** Needs `maxRetriesPerRequest: null` (BullMQ blocks on it). */
  connection: Redis;
  store: RequestStore;
  /** Built with `rejectRateLimitedCalls: true` and no retries: the outbox waits Retry-After itself, off-worker. */
  client: WebClient;
  /** The shared chat.update budget: final edits take from it unconditionally, progress edits only when it has room. */
  budget: CallBudget;
  clock: Clock;
  logger: Logger;
  proxmoxUiUrl: string;
  prefix?: string;
  /** Deliveries at once in this process. Default 4. */
  concurrency?: number;
  /** Tries of a final reply or parent edit on transient failures (5xx, network). Default 30 (~2 h with the backoff). */
  attempts?: number;
  /** First retry delay, doubling up to `maxBackoffMs`. Defaults 2 s and 5 min. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Floor of a Retry-After wait (Slack says whole seconds; 0 would spin). Default 1000. */
  minRetryAfterMs?: number;
  /** Retry-After waits of one delivery before it counts as an attempt. Default 200. */
  maxRateLimitWaits?: number;
  /**
   * How long a clone's start waits for Slack to answer its progress reply's post. Default 10 s. Past it the clone
   * goes on without the reply, and adopts it if Slack answers later.
   */
  progressReplyTimeoutMs?: number;
  /** Called for each delivery's end (metrics). */
  onDelivery?: (kind: DeliveryKind, outcome: DeliveryOutcome) => void;
}

/** The outbox: a CloneNotifier whose deliveries never make a clone wait, and the worker that sends them. */
export interface DeliveryOutbox {
  notifier: CloneNotifier;
  /** Jobs waiting, delayed or running (for tests, metrics and the bench). */
  pending(): Promise<number>;
  close(): Promise<void>;
}

const PRIORITY: Record<DeliveryKind, number> = { final: 1, parent: 5, progress: 10 };
/** How long a request-message edit first waits for room in the budget before asking again (real ms)… */
const PARENT_WAIT_MS = 3000;
/** …doubling to at most this. */
const PARENT_MAX_WAIT_MS = 60_000;

/**
 * The park of a request-message edit that found no room in the chat.update budget, after `waitsSoFar` earlier
 * parks: 3 s doubling to 1 min, ±25 % so parked edits spread out. Each ask is a BullMQ move and a record read;
 * with a fixed 3 s, a thousand clones starting at once kept ~330 asks a second going (most of a worker's
 * memory churn) for edits the progress replies already cover.
 */
export function parentWaitMs(waitsSoFar: number, random: () => number = Math.random): number {
  const base = Math.min(PARENT_MAX_WAIT_MS, PARENT_WAIT_MS * 2 ** waitsSoFar);
  return Math.round(base * (0.75 + 0.5 * random()));
}
const jobId = (kind: DeliveryKind, requestId: string) => `${kind}-${requestId}`;

/**
 * The delivery outbox (issue 9): the clone job hands Slack effects to a BullMQ queue of their own and goes on;
 * a worker here sends them. Final replies come first (priority, and a token taken even from an empty budget
 * so progress edits back off), are retried with Slack's Retry-After and bounded attempts, fall back to the
 * channel and then a DM when their place is gone, are never posted twice (postResultReply), and end audited
 * either way. A progress edit is coalesced: one job per request, which renders the newest saved progress
 * when it runs; over budget it is skipped (the next tick carries newer news).
 */
export function createDeliveryOutbox(deps: DeliveryOutboxDeps): DeliveryOutbox {
  const { store, client, budget, clock } = deps;
  const moves = createRequestMoves({ store, clock });
  const logger = deps.logger.child({ component: 'delivery-outbox' });
  const prefix = bullPrefix(deps.prefix ?? DEFAULT_PREFIX);
  const attempts = deps.attempts ?? 30;
  const backoffMs = deps.backoffMs ?? 2000;
  const maxBackoffMs = deps.maxBackoffMs ?? 300_000;
  const minRetryAfterMs = deps.minRetryAfterMs ?? 1000;
  const maxRateLimitWaits = deps.maxRateLimitWaits ?? 200;
  const progressReplyTimeoutMs = deps.progressReplyTimeoutMs ?? 10_000;
  const report = (kind: DeliveryKind, outcome: DeliveryOutcome) => deps.onDelivery?.(kind, outcome);
  const queue = new Queue<DeliveryJobData>(DELIVERY_QUEUE_NAME, { connection: deps.connection, prefix });
  logQueueErrors(queue, logger, 'delivery queue');

  const enqueue = async (kind: DeliveryKind, requestId: string) => {
    await queue.add(
      kind,
      { requestId },
      {
        jobId: jobId(kind, requestId),
        priority: PRIORITY[kind],
        attempts: kind === 'progress' ? 1 : attempts,
        backoff: { type: 'capped' },
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  };

  // Counted but never waited for: a must-send call goes out even while Redis is slow.
  const force = () => {
    Promise.resolve()
      .then(() => budget.take())
      .catch((err: unknown) =>
        logger.debug({ err: String(err) }, 'could not count a call against the budget'),
      );
  };
  const pauseBudget = (f: SlackFailure) => {
    if (f.kind !== 'rate-limited') return;
    Promise.resolve()
      .then(() => budget.pause(f.retryAfterMs))
      .catch(() => undefined);
  };

  /** Waits Slack's Retry-After off the worker (the job is parked, not an attempt); bounded. */
  const waitRetryAfter = async (job: Job<DeliveryJobData>, token: string | undefined, ms: number) => {
    const waits = (job.data.rateLimitWaits ?? 0) + 1;
    if (waits > maxRateLimitWaits) throw new Error(`rate-limited ${waits - 1} times in a row`);
    await job.updateData({ ...job.data, rateLimitWaits: waits });
    report(job.name as DeliveryKind, 'retried');
    await job.moveToDelayed(Date.now() + Math.max(minRetryAfterMs, ms), token);
    throw new DelayedError();
  };

  const progressEdit = async (id: string): Promise<DeliveryOutcome> => {
    let outcome: DeliveryOutcome = 'skipped';
    let sent: string | undefined;
    // Ticks that came while an edit was in flight found this job active and added nothing: they are in the
    // record, so one more edit (the newest) follows when the progress changed meanwhile.
    for (let round = 0; round < 3; round++) {
      const record = await store.get(id);
      // The final job owns the reply once a result is saved; reading the record here, while active, is what
      // keeps a late edit from overwriting the final state (the final job waits for an active edit to end).
      if (record?.progressTs === undefined || record.result !== undefined) return outcome;
      const shown = JSON.stringify(record.lastProgress ?? null);
      if (shown === sent) return outcome;
      const room = await Promise.resolve(budget.tryTake()).catch(() => false);
      if (!room) return outcome;
      try {
        await client.chat.update({
          channel: record.channelId,
          ts: record.progressTs,
          ...renderProgressMessage(record, record.lastProgress),
        });
        sent = shown;
        outcome = 'delivered';
      } catch (err) {
        const f = classifySlackError(err);
        pauseBudget(f);
        logger.debug({ requestId: id, failure: f }, 'progress edit skipped');
        return outcome;
      }
    }
    return outcome;
  };

  const editParent = async (record: CloneRequestRecord, forced = true): Promise<SlackFailure | undefined> => {
    if (record.messageTs === undefined) return undefined;
    if (forced) force();
    try {
      await client.chat.update({
        channel: record.channelId,
        ts: record.messageTs,
        ...renderRequestMessage(record),
      });
      return undefined;
    } catch (err) {
      return classifySlackError(err);
    }
  };

  /** The edit of the request message to its current status (a clone starting). */
  const parentJob = async (job: Job<DeliveryJobData>, token?: string): Promise<DeliveryOutcome> => {
    const record = await store.get(job.data.requestId);
    if (!record || record.result !== undefined) return 'skipped'; // the final job edits it then
    // Optional (the progress reply says the same): it waits for room in the budget rather than meet a 429.
    const room = await Promise.resolve(budget.tryTake()).catch(() => true);
    if (!room) return waitRetryAfter(job, token, parentWaitMs(job.data.rateLimitWaits ?? 0));
    const f = await editParent(record, false);
    if (f === undefined) return 'delivered';
    if (f.kind === 'rate-limited') {
      pauseBudget(f);
      return waitRetryAfter(job, token, f.retryAfterMs);
    }
    if (f.kind === 'transient') throw new Error(f.error);
    logger.info({ requestId: record.id, failure: f }, 'request message not editable: left as it is');
    return 'skipped';
  };

  const finalJob = async (job: Job<DeliveryJobData>, token?: string): Promise<DeliveryOutcome> => {
    const id = job.data.requestId;
    // A progress or request-message edit in flight could land after ours and show a running clone forever:
    // a waiting one is dropped, an active one is let end first.
    for (const kind of ['progress', 'parent'] as const) {
      const earlier = await queue.getJob(jobId(kind, id));
      if (earlier === undefined) continue;
      const removed = await earlier.remove().then(
        () => true,
        () => false, // active (locked): it cannot be removed
      );
      if (!removed) {
        await job.moveToDelayed(Date.now() + 200, token);
        throw new DelayedError();
      }
    }
    let record = await store.get(id);
    if (!record || record.result === undefined) return 'skipped';
    const result = record.result;
    let outcome: DeliveryOutcome = 'delivered';
    if (!record.resultDelivered) {
      // The progress reply reads as ended by the time the result appears under it; one try only: the
      // result must not wait behind an edit (a failed one is tried again after the post).
      if (record.progressTs !== undefined && !job.data.progressFinal) {
        force();
        const ended = await client.chat
          .update({
            channel: record.channelId,
            ts: record.progressTs,
            ...renderProgressMessage(record, record.lastProgress, result),
          })
          .then(
            () => true,
            (err: unknown) => {
              const f = classifySlackError(err);
              pauseBudget(f);
              return f.kind === 'message-gone' || f.kind === 'channel-gone' || f.kind === 'thread-gone';
            },
          );
        if (ended) await job.updateData({ ...job.data, progressFinal: true });
      }
      let posted: Awaited<ReturnType<typeof postResultReply>>;
      try {
        posted = await postResultReply(
          client,
          store,
          record,
          resultMessage(record, result, deps.proxmoxUiUrl),
        );
      } catch (err) {
        if (err instanceof RetryableSlackError && err.failure.kind === 'rate-limited') {
          return waitRetryAfter(job, token, err.failure.retryAfterMs);
        }
        throw err; // transient: an attempt, with backoff
      }
      const at = new Date(clock.now()).toISOString();
      if (!posted.posted) {
        await moves.abandoned(id, posted.reason);
        logger.error(
          { audit: true, requestId: id, status: record.status, reason: posted.reason, at },
          `request ${id}: result could not be delivered anywhere (thread, channel, DM): ${posted.reason}`,
        );
        report('final', 'abandoned');
        return 'abandoned';
      }
      record = (await moves.delivered(id, { channel: posted.channel, ts: posted.ts })) ?? record;
      outcome = posted.via === 'thread' ? 'delivered' : 'fallback';
      logger.info(
        { audit: true, requestId: id, status: record.status, via: posted.via, found: posted.found, at },
        `request ${id}: result delivered${posted.via === 'thread' ? '' : ` (${posted.via})`}`,
      );
    }
    if (record.progressTs !== undefined && !job.data.progressFinal) {
      force();
      await client.chat
        .update({
          channel: record.channelId,
          ts: record.progressTs,
          ...renderProgressMessage(record, record.lastProgress, result),
        })
        .then(() => job.updateData({ ...job.data, progressFinal: true }))
        .catch((err: unknown) => {
          const f = classifySlackError(err);
          pauseBudget(f);
          logger.warn({ requestId: id, failure: f }, 'could not finalise the progress reply');
        });
    }
    const f = await editParent({ ...record, status: statusAfterResult(record.status, result), result });
    if (f?.kind === 'rate-limited') {
      pauseBudget(f);
      return waitRetryAfter(job, token, f.retryAfterMs); // resultDelivered is saved: only the edits remain
    }
    if (f?.kind === 'transient') throw new Error(f.error);
    if (f !== undefined)
      logger.info({ requestId: id, failure: f }, 'request message not editable: left as it is');
    report('final', outcome);
    return outcome;
  };

  const worker = new Worker<DeliveryJobData, DeliveryOutcome>(
    DELIVERY_QUEUE_NAME,
    async (job, token) => {
      if (job.name === 'final') return finalJob(job, token);
      if (job.name === 'parent') return parentJob(job, token);
      const outcome = await progressEdit(job.data.requestId);
      report('progress', outcome);
      return outcome;
    },
    {
      connection: deps.connection,
      prefix,
      concurrency: deps.concurrency ?? 4,
      // A Redis that dies after running a take (moveToActive) but before its reply reaches us leaves that job
      // active under a lock no one renews: ioredis resends the take, which gets the next job. Only the lock's
      // lapse and a stalled check give it back, and a final reply waits behind an orphaned edit of its request
      // all that time: BullMQ's 30 s + 30 s became up to a minute of silence after a Redis restart. A delivery
      // is one Slack call (Retry-After waits park the job), so a 10 s lock renewed every 5 s is ample.
      lockDuration: 10_000,
      stalledInterval: 5_000,
      settings: {
        backoffStrategy: (attemptsMade: number) =>
          Math.min(maxBackoffMs, backoffMs * 2 ** (attemptsMade - 1)),
      },
    },
  );
  worker.on('failed', (job, err) => {
    if (job === undefined || job.name === 'progress') return;
    if (job.attemptsMade < (job.opts.attempts ?? 1)) return;
    const id = job.data.requestId;
    report(job.name as DeliveryKind, 'abandoned');
    if (job.name !== 'final') {
      logger.warn({ requestId: id, err: err.message }, 'request message edit given up after every try');
      return;
    }
    // Never a silent drop: the audit log says which result no one was told, and the record stops the sweeps.
    void moves
      .abandoned(id, err.message)
      .then((record) =>
        logger.error(
          {
            audit: true,
            requestId: id,
            status: record?.status,
            attempts: job.attemptsMade,
            err: err.message,
            at: new Date(clock.now()).toISOString(),
          },
          `request ${id}: result could not be delivered after ${job.attemptsMade} tries: ${err.message}`,
        ),
      )
      .catch((e: unknown) =>
        logger.error({ requestId: id, err: e }, 'could not record an undelivered result'),
      );
  });
  logQueueErrors(worker, logger, 'delivery worker');

  /** A progress reply Slack posted after the clone stopped waiting for it: its edits and the final one use it. */
  const adoptLateReply = async (id: string, ts: string) => {
    const record = await store.get(id);
    if (record === undefined || record.progressTs !== undefined) return;
    await store.update(id, { progressTs: ts });
    logger.info({ requestId: id }, 'the progress reply Slack answered late is used after all');
  };

  /**
   * The progress reply's post, bounded: the clone's start waits for it (its ts is saved before the copy), and
   * a Slack that takes a call and never answers (the WebClient has no timeout) would hold the clone forever.
   */
  const postWithin = async (record: CloneRequestRecord): Promise<{ ts?: string }> => {
    const post = client.chat.postMessage({
      channel: record.channelId,
      ...(record.messageTs !== undefined ? { thread_ts: record.messageTs } : {}),
      ...renderProgressMessage(record, record.lastProgress),
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), progressReplyTimeoutMs);
    });
    try {
      const res = await Promise.race([post, late]);
      if (res !== 'late') return res;
    } finally {
      clearTimeout(timer);
    }
    logger.warn(
      { requestId: record.id, waitedMs: progressReplyTimeoutMs },
      'Slack has not answered the progress reply post: the clone goes on without it',
    );
    post
      .then((res) => (res.ts !== undefined ? adoptLateReply(record.id, res.ts) : undefined))
      .catch((err: unknown) =>
        logger.debug({ requestId: record.id, err: String(err) }, 'the late progress reply was not posted'),
      );
    return {};
  };

  /** Posts the progress reply: one try, a second after a short Retry-After; never a long wait for a clone. */
  const postProgressReply = async (record: CloneRequestRecord): Promise<{ progressTs?: string }> => {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const res = await postWithin(record);
        return res.ts !== undefined ? { progressTs: res.ts } : {};
      } catch (err) {
        const f = classifySlackError(err);
        if (attempt === 0 && f.kind === 'rate-limited' && f.retryAfterMs <= 5000) {
          await clock.sleep(Math.max(f.retryAfterMs, 1)).catch(() => undefined);
          continue;
        }
        logger.warn({ requestId: record.id, failure: f }, 'could not post the progress reply');
        return {};
      }
    }
    return {};
  };

  const notifier: CloneNotifier = {
    async started(record) {
      await enqueue('parent', record.id).catch((err: unknown) =>
        logger.warn({ requestId: record.id, err: String(err) }, 'could not queue the request message edit'),
      );
      if (record.progressTs !== undefined) return { progressTs: record.progressTs };
      return postProgressReply(record);
    },
    async findStarted(record) {
      if (record.messageTs === undefined) return {};
      const ts = await findProgressReply(client, record);
      return ts !== undefined ? { progressTs: ts } : {};
    },
    async progress(record) {
      if (record.progressTs === undefined) return false;
      try {
        await enqueue('progress', record.id);
        return true;
      } catch (err) {
        logger.debug({ requestId: record.id, err: String(err) }, 'could not queue a progress edit');
        return false;
      }
    },
    async finished(record) {
      await enqueue('final', record.id); // throws (Redis down): the clone job retries the hand-over only
      return 'queued';
    },
  };

  return {
    notifier,
    async pending() {
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
