import { type ApiMethod, fail, str, toSlackMessage } from './api-context.ts';
import { resolveChannel } from './chat-methods.ts';
import type { Json } from './types.ts';

/** Slack returns message metadata from history reads only when asked (`include_all_metadata`). */
function withMetadataIfAsked(m: Json, args: Json): Json {
  const asked = args.include_all_metadata === true || args.include_all_metadata === 'true';
  if (asked || m.metadata === undefined) return m;
  const { metadata: _hidden, ...rest } = m;
  return rest;
}

/** Slack's default page size for conversations.replies, and its largest. */
const DEFAULT_LIMIT = 1000;

/**
 * conversations.replies: the thread `ts` belongs to (the parent first, then the replies, oldest first), paged
 * by `limit` and an opaque `cursor`, in Slack's shape (`has_more`, `response_metadata.next_cursor`).
 */
const replies: ApiMethod = (args, ctx) => {
  const channel = resolveChannel(args.channel, ctx);
  if (!channel) return fail('channel_not_found');
  const ts = str(args.ts);
  const message = ts === undefined ? undefined : ctx.messages.get(channel.id, ts);
  if (!message) return fail('thread_not_found');
  const parentTs = message.threadTs ?? message.ts;
  const parent = ctx.messages.get(channel.id, parentTs) ?? message;
  const thread = [parent, ...ctx.messages.thread(channel.id, parentTs)];
  const limit = Math.min(DEFAULT_LIMIT, Math.max(1, Number(args.limit ?? DEFAULT_LIMIT) || DEFAULT_LIMIT));
  const cursor = str(args.cursor);
  const start = cursor === undefined ? 0 : Number(Buffer.from(cursor, 'base64').toString().slice(5));
  if (!Number.isInteger(start) || start < 0) return fail('invalid_cursor');
  const page = thread.slice(start, start + limit);
  const hasMore = start + limit < thread.length;
  const messages: Json[] = page.map((m) => {
    const out = withMetadataIfAsked(toSlackMessage(m, ctx), args);
    return m.ts === parent.ts ? out : { ...out, parent_user_id: parent.user };
  });
  return {
    ok: true,
    messages,
    has_more: hasMore,
    ...(hasMore
      ? { response_metadata: { next_cursor: Buffer.from(`next:${start + limit}`).toString('base64') } }
      : {}),
  };
};

/** Slack's default page size for conversations.history, and its largest. */
const HISTORY_DEFAULT = 100;
const HISTORY_MAX = 999;

/**
 * conversations.history: a channel's top-level messages (thread replies are not included), newest first,
 * paged by `limit` (default 100, at most 999) and an opaque `cursor`, in Slack's shape.
 */
const history: ApiMethod = (args, ctx) => {
  const channel = resolveChannel(args.channel, ctx);
  if (!channel) return fail('channel_not_found');
  const all = [...ctx.messages.messages(channel.id)].reverse();
  const asked = Number(args.limit ?? HISTORY_DEFAULT) || HISTORY_DEFAULT;
  const limit = Math.min(HISTORY_MAX, Math.max(1, asked));
  const cursor = str(args.cursor);
  const start = cursor === undefined ? 0 : Number(Buffer.from(cursor, 'base64').toString().slice(5));
  if (!Number.isInteger(start) || start < 0) return fail('invalid_cursor');
  const page = all.slice(start, start + limit);
  const hasMore = start + limit < all.length;
  return {
    ok: true,
    messages: page.map((m) => withMetadataIfAsked(toSlackMessage(m, ctx), args)),
    has_more: hasMore,
    ...(hasMore
      ? { response_metadata: { next_cursor: Buffer.from(`next:${start + limit}`).toString('base64') } }
      : {}),
  };
};

/** conversations.history and conversations.replies. */
export const historyMethods: Record<string, ApiMethod> = {
  'conversations.history': history,
  'conversations.replies': replies,
};
