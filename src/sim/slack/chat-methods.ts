import { randomBytes } from 'node:crypto';
import { type ApiContext, type ApiMethod, fail, str, toSlackMessage } from './api-context.ts';
import { checkMessage } from './check-message.ts';
import type { Json, SimChannel } from './types.ts';

/** Slack gives blocks without a block_id a random one; the app sees it in block_actions payloads. */
export function withBlockIds(blocks: Json[] | undefined): Json[] | undefined {
  return blocks?.map((b) =>
    typeof b.block_id === 'string' ? b : { ...b, block_id: randomBytes(3).toString('hex') },
  );
}

/** A channel argument: C…/G…/D… id, `#name`, or a user id (the bot's DM with that user). */
export function resolveChannel(arg: unknown, ctx: ApiContext): SimChannel | undefined {
  const ref = str(arg);
  if (ref === undefined) return undefined;
  if (/^[UW][A-Z0-9]+$/.test(ref)) return ctx.directory.user(ref) ? ctx.directory.imWith(ref) : undefined;
  const name = ref.replace(/^#/, '');
  return ctx.directory.channel(ref) ?? ctx.directory.allChannels().find((c) => c.name === name);
}

const postMessage: ApiMethod = (args, ctx) => {
  const channel = resolveChannel(args.channel, ctx);
  if (!channel) return fail('channel_not_found');
  const content = checkMessage(args, true);
  if ('failure' in content) return content.failure;
  let threadTs = str(args.thread_ts);
  if (threadTs !== undefined) {
    const parent = ctx.messages.get(channel.id, threadTs);
    if (!parent) return fail('thread_not_found');
    threadTs = parent.threadTs ?? parent.ts;
  }
  const blocks = withBlockIds(content.blocks);
  const message = ctx.messages.post({
    channel: channel.id,
    text: content.text ?? '',
    user: ctx.botUserId,
    botId: ctx.botId,
    ...(blocks ? { blocks } : {}),
    ...(threadTs !== undefined ? { threadTs } : {}),
    ...(typeof args.metadata === 'object' && args.metadata !== null
      ? { metadata: args.metadata as Json }
      : {}),
  });
  return { ok: true, channel: channel.id, ts: message.ts, message: toSlackMessage(message, ctx) };
};

const update: ApiMethod = (args, ctx) => {
  const channel = resolveChannel(args.channel, ctx);
  if (!channel) return fail('channel_not_found');
  const ts = str(args.ts);
  const message = ts === undefined ? undefined : ctx.messages.get(channel.id, ts);
  if (!message) return fail('message_not_found');
  if (message.user !== ctx.botUserId) return fail('cant_update_message');
  const content = checkMessage(args, false);
  if ('failure' in content) return content.failure;
  const blocks = withBlockIds(content.blocks);
  const metadata =
    typeof args.metadata === 'object' && args.metadata !== null ? (args.metadata as Json) : undefined;
  ctx.messages.update(
    message,
    {
      ...(content.text !== undefined ? { text: content.text } : {}),
      ...(blocks ? { blocks } : {}),
      ...(metadata ? { metadata } : {}),
    },
    ctx.botUserId,
  );
  const slack = toSlackMessage(message, ctx);
  return { ok: true, channel: channel.id, ts: message.ts, text: message.text, message: slack };
};

const remove: ApiMethod = (args, ctx) => {
  const channel = resolveChannel(args.channel, ctx);
  if (!channel) return fail('channel_not_found');
  const ts = str(args.ts);
  const message = ts === undefined ? undefined : ctx.messages.get(channel.id, ts);
  if (!message) return fail('message_not_found');
  if (message.user !== ctx.botUserId) return fail('cant_delete_message');
  ctx.messages.delete(channel.id, message.ts);
  return { ok: true, channel: channel.id, ts: message.ts };
};

const postEphemeral: ApiMethod = (args, ctx) => {
  const channel = resolveChannel(args.channel, ctx);
  if (!channel) return fail('channel_not_found');
  const user = str(args.user);
  if (user === undefined || !ctx.directory.user(user)) return fail('user_not_found');
  const content = checkMessage(args, true);
  if ('failure' in content) return content.failure;
  const threadTs = str(args.thread_ts);
  const blocks = withBlockIds(content.blocks);
  const ephemeral = ctx.messages.postEphemeral({
    channel: channel.id,
    user,
    text: content.text ?? '',
    source: 'chat.postEphemeral',
    ...(blocks ? { blocks } : {}),
    ...(threadTs !== undefined ? { threadTs } : {}),
  });
  return { ok: true, message_ts: ephemeral.ts };
};

const getPermalink: ApiMethod = (args, ctx) => {
  const channel = resolveChannel(args.channel, ctx);
  if (!channel) return fail('channel_not_found');
  const ts = str(args.message_ts);
  const message = ts === undefined ? undefined : ctx.messages.get(channel.id, ts);
  if (!message) return fail('message_not_found');
  const base = `${ctx.url}/archives/${channel.id}/p${message.ts.replace('.', '')}`;
  const permalink =
    message.threadTs === undefined ? base : `${base}?thread_ts=${message.threadTs}&cid=${channel.id}`;
  return { ok: true, channel: channel.id, permalink };
};

/** chat.* methods. */
export const chatMethods: Record<string, ApiMethod> = {
  'chat.postMessage': postMessage,
  'chat.update': update,
  'chat.delete': remove,
  'chat.postEphemeral': postEphemeral,
  'chat.getPermalink': getPermalink,
};
