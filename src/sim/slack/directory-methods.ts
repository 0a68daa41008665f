import { type ApiMethod, fail, str } from './api-context.ts';
import { resolveChannel } from './chat-methods.ts';

const authTest: ApiMethod = (_args, ctx) => ({
  ok: true,
  url: `${ctx.url}/`,
  team: 'Sandbox',
  user: ctx.directory.user(ctx.botUserId)?.name ?? 'clonebot',
  team_id: ctx.teamId,
  user_id: ctx.botUserId,
  bot_id: ctx.botId,
  is_enterprise_install: false,
});

const usersInfo: ApiMethod = (args, ctx) => {
  const id = str(args.user);
  const user = id === undefined ? undefined : ctx.directory.user(id);
  if (!user) return fail('user_not_found');
  return {
    ok: true,
    user: {
      id: user.id,
      team_id: ctx.teamId,
      name: user.name,
      real_name: user.realName,
      deleted: false,
      is_bot: user.isBot === true,
      is_admin: false,
      tz: user.tz ?? 'Europe/Berlin',
      profile: { real_name: user.realName, display_name: user.name },
    },
  };
};

const usergroupUsers: ApiMethod = (args, ctx) => {
  const id = str(args.usergroup);
  const members = id === undefined ? undefined : ctx.directory.usergroup(id);
  if (!members) return fail('no_such_subteam');
  return { ok: true, users: [...members] };
};

const conversationsOpen: ApiMethod = (args, ctx) => {
  const existing = str(args.channel);
  if (existing !== undefined) {
    const channel = resolveChannel(existing, ctx);
    return channel ? { ok: true, channel: { id: channel.id } } : fail('channel_not_found');
  }
  const users = (str(args.users) ?? '').split(',').filter((u) => u !== '');
  if (users.length !== 1) return fail(users.length === 0 ? 'users_list_not_supplied' : 'not_enough_users');
  const user = users[0] as string;
  if (!ctx.directory.user(user)) return fail('user_not_found');
  return { ok: true, channel: { id: ctx.directory.imWith(user).id } };
};

const conversationsInfo: ApiMethod = (args, ctx) => {
  const channel = resolveChannel(args.channel, ctx);
  if (!channel) return fail('channel_not_found');
  return {
    ok: true,
    channel: {
      id: channel.id,
      name: channel.name,
      is_channel: channel.isIm !== true,
      is_im: channel.isIm === true,
      is_private: false,
      is_member: true,
      ...(channel.user !== undefined ? { user: channel.user } : {}),
    },
  };
};

/** auth.test, users.*, usergroups.*, conversations.* methods. */
export const directoryMethods: Record<string, ApiMethod> = {
  'auth.test': authTest,
  'users.info': usersInfo,
  'usergroups.users.list': usergroupUsers,
  'conversations.open': conversationsOpen,
  'conversations.info': conversationsInfo,
};
