import { ErrorCode } from '@slack/web-api';

/**
 * What a failed Web API call means for a delivery: wait and retry (`rate-limited`, after `retryAfterMs`;
 * `transient`: 5xx, network), or stop trying this place (`thread-gone`: the parent message was deleted or
 * the thread ts is bad; `channel-gone`: the bot cannot post there; `message-gone`: the message to edit is
 * gone), or `permanent` (a request Slack will refuse whatever we do).
 */
export type SlackFailure =
  | { kind: 'rate-limited'; retryAfterMs: number }
  | { kind: 'transient' | 'thread-gone' | 'channel-gone' | 'message-gone' | 'permanent'; error: string };

const CHANNEL_GONE = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'channel_is_archived',
  'restricted_action',
  'cannot_dm_bot',
  'user_not_found',
  'user_disabled',
]);
const THREAD_GONE = new Set(['thread_not_found', 'invalid_thread_ts']);
const MESSAGE_GONE = new Set(['message_not_found', 'cant_update_message']);
// Slack's own transient answers (its servers, not our request).
const TRANSIENT = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
]);

/** Sorts an error thrown by @slack/web-api (or anything else: then `transient`). */
export function classifySlackError(err: unknown): SlackFailure {
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string }; statusCode?: number };
  if (e.code === ErrorCode.RateLimitedError) {
    return { kind: 'rate-limited', retryAfterMs: Math.max(0, (e.retryAfter ?? 30) * 1000) };
  }
  if (e.code === ErrorCode.PlatformError) {
    const error = e.data?.error ?? 'unknown_error';
    if (CHANNEL_GONE.has(error)) return { kind: 'channel-gone', error };
    if (THREAD_GONE.has(error)) return { kind: 'thread-gone', error };
    if (MESSAGE_GONE.has(error)) return { kind: 'message-gone', error };
    if (TRANSIENT.has(error)) return { kind: 'transient', error };
    return { kind: 'permanent', error };
  }
  if (e.code === ErrorCode.HTTPError) return { kind: 'transient', error: `http_${e.statusCode ?? 'error'}` };
  return { kind: 'transient', error: err instanceof Error ? err.message : String(err) };
}

/** Thrown to make the outbox wait Slack's Retry-After before the next try (not counted as an attempt). */
export class RetryAfterError extends Error {
  constructor(readonly retryAfterMs: number) {
    super(`rate-limited: retry after ${retryAfterMs} ms`);
    this.name = 'RetryAfterError';
  }
}
