import type { WebClient } from '@slack/web-api';
import type { CloneRequestRecord, RequestStore } from '../requests/types.ts';
import { classifySlackError, type SlackFailure } from './slack-errors.ts';

/** The metadata event type our final replies carry, with the request id: how a re-delivery finds one. */
export const RESULT_EVENT_TYPE = 'pve_clonebot_result';

/** One place a final reply can go. */
export interface ReplyPlace {
  channel: string;
  threadTs?: string;
}

/** The message to post (Block Kit from the renderers). */
export interface ReplyContent {
  text: string;
  blocks: unknown[];
}

/** How a final reply ended: posted (where), or nowhere (why; each place tried and its error). */
export type PostOutcome =
  | { posted: true; channel: string; ts: string; via: 'thread' | 'channel' | 'dm'; found: boolean }
  | { posted: false; reason: string };

/** Raised with the classified failure a delivery must retry (rate limit, transient) rather than fall back on. */
export class RetryableSlackError extends Error {
  constructor(readonly failure: SlackFailure) {
    super('error' in failure ? failure.error : `rate-limited ${failure.retryAfterMs} ms`);
    this.name = 'RetryableSlackError';
  }
}

const PAGES = 3;

/** Whether `messages` holds our final reply for `requestId`; its ts. */
function findIn(messages: unknown[] | undefined, requestId: string): string | undefined {
  for (const m of (messages ?? []) as {
    ts?: string;
    bot_id?: string;
    metadata?: { event_type?: string; event_payload?: { request_id?: string } };
  }[]) {
    if (
      m.bot_id !== undefined &&
      m.metadata?.event_type === RESULT_EVENT_TYPE &&
      m.metadata.event_payload?.request_id === requestId
    )
      return m.ts;
  }
  return undefined;
}

/** Looks for our final reply at `place` (the thread, or the channel's newest messages). */
async function findPosted(
  client: WebClient,
  place: ReplyPlace,
  requestId: string,
): Promise<string | undefined> {
  let cursor: string | undefined;
  for (let page = 0; page < PAGES; page++) {
    const res =
      place.threadTs !== undefined
        ? await client.conversations.replies({
            channel: place.channel,
            ts: place.threadTs,
            include_all_metadata: true,
            ...(cursor !== undefined ? { cursor } : {}),
          })
        : await client.conversations.history({
            channel: place.channel,
            include_all_metadata: true,
            limit: 200,
            ...(cursor !== undefined ? { cursor } : {}),
          });
    const ts = findIn(res.messages, requestId);
    if (ts !== undefined) return ts;
    cursor = res.response_metadata?.next_cursor;
    if (!res.has_more || !cursor) return undefined;
  }
  return undefined;
}

/**
 * Posts a clone's final reply exactly once, falling back when its place is gone: in the request's thread;
 * without the thread when the thread is gone (parent deleted, bad thread_ts); as a DM to the requester when
 * the channel is gone or closed to the bot (channel_not_found, not_in_channel, is_archived). Idempotent across
 * crashes: the place is saved before each post (`resultPosting`), and a delivery that finds a saved place
 * looks there for our reply (by its metadata) before posting again. Throws RetryableSlackError on a rate
 * limit or a transient failure (the caller retries; nothing was lost); resolves `posted: false` only when
 * every place refused.
 */
export async function postResultReply(
  client: WebClient,
  store: RequestStore,
  record: CloneRequestRecord,
  content: ReplyContent,
): Promise<PostOutcome> {
  const id = record.id;
  const places: { place: ReplyPlace | 'dm'; via: 'thread' | 'channel' | 'dm' }[] = [
    ...(record.messageTs !== undefined
      ? [{ place: { channel: record.channelId, threadTs: record.messageTs }, via: 'thread' as const }]
      : []),
    { place: { channel: record.channelId }, via: 'channel' },
    { place: 'dm', via: 'dm' },
  ];
  // A place an earlier try was posting to: the reply may be there already.
  const tried = record.resultPosting;
  if (tried !== undefined) {
    const found = await findPosted(client, tried, id).catch((err: unknown) => {
      const f = classifySlackError(err);
      if (f.kind === 'rate-limited' || f.kind === 'transient') throw new RetryableSlackError(f);
      return undefined; // that place is gone: nothing of ours can be read there, nor was posted
    });
    if (found !== undefined) {
      const via = tried.threadTs !== undefined ? 'thread' : tried.channel.startsWith('D') ? 'dm' : 'channel';
      return { posted: true, channel: tried.channel, ts: found, via, found: true };
    }
  }
  const refused: string[] = [];
  let skipChannel = false;
  for (const { place, via } of places) {
    if (via === 'channel' && skipChannel) continue;
    let target: ReplyPlace;
    try {
      if (place === 'dm') {
        const open = await client.conversations.open({ users: record.requester.userId });
        const channel = open.channel?.id;
        if (channel === undefined) throw new Error('conversations.open returned no channel');
        target = { channel };
      } else target = place;
      await store.update(id, { resultPosting: target });
      const res = await client.chat.postMessage({
        channel: target.channel,
        ...(target.threadTs !== undefined ? { thread_ts: target.threadTs } : {}),
        text: content.text,
        blocks: content.blocks as never,
        unfurl_links: false,
        metadata: { event_type: RESULT_EVENT_TYPE, event_payload: { request_id: id } },
      });
      const ts = res.ts;
      if (ts === undefined) throw new Error('chat.postMessage returned no ts');
      return { posted: true, channel: res.channel ?? target.channel, ts, via, found: false };
    } catch (err) {
      if (err instanceof RetryableSlackError) throw err;
      const f = classifySlackError(err);
      if (f.kind === 'rate-limited' || f.kind === 'transient') throw new RetryableSlackError(f);
      refused.push(`${via}: ${f.error}`);
      // A channel the bot cannot post to refuses a top-level post too: straight to the DM.
      if (f.kind === 'channel-gone') skipChannel = true;
      // A message Slack refuses as such (invalid_blocks, msg_too_long) fails the same anywhere.
      if (f.kind === 'permanent') break;
    }
  }
  return { posted: false, reason: refused.join('; ') };
}
