import { type ApiMethod, fail, str, toSlackMessage } from './api-context.ts';
import { resolveChannel } from './chat-methods.ts';
import type { Json } from './types.ts';

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
    const out = toSlackMessage(m, ctx);
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

/** conversations.history-like reads. */
export const historyMethods: Record<string, ApiMethod> = {
  'conversations.replies': replies,
};
