import type { Clock } from '../../clock.ts';
import type { Directory } from './directory.ts';
import type { MessageStore } from './message-store.ts';
import type { Json, SimMessage, SimView } from './types.ts';
import type { ViewStore } from './view-store.ts';

/** What a Web API method handler works on. */
export interface ApiContext {
  clock: Clock;
  directory: Directory;
  messages: MessageStore;
  views: ViewStore;
  teamId: string;
  teamDomain: string;
  appId: string;
  botUserId: string;
  botId: string;
  /** The fake's base URL (for permalinks). */
  url: string;
}

/** One Web API method: arguments in, Slack's JSON answer out (with `ok`). */
export type ApiMethod = (args: Json, ctx: ApiContext) => Json;

/** A failed call's answer. */
export const fail = (error: string, extra: Json = {}): Json => ({ ok: false, error, ...extra });

/** A message as the Web API returns it. */
export function toSlackMessage(m: SimMessage, ctx: ApiContext): Json {
  const out: Json = { type: 'message', user: m.user, text: m.text, ts: m.ts, team: ctx.teamId };
  if (m.botId !== undefined) Object.assign(out, { bot_id: m.botId, app_id: ctx.appId });
  if (m.blocks !== undefined) out.blocks = m.blocks;
  if (m.threadTs !== undefined) out.thread_ts = m.threadTs;
  if (m.replyCount > 0) Object.assign(out, { thread_ts: m.ts, reply_count: m.replyCount });
  if (m.edited !== undefined) out.edited = m.edited;
  if (m.metadata !== undefined) out.metadata = m.metadata;
  return out;
}

/** A view as views.* return it. */
export function toSlackView(v: SimView, ctx: ApiContext): Json {
  return {
    ...v.view,
    id: v.id,
    team_id: ctx.teamId,
    type: v.type,
    private_metadata: v.view.private_metadata ?? '',
    callback_id: v.view.callback_id ?? '',
    external_id: v.view.external_id ?? '',
    state: { values: v.values },
    hash: v.hash,
    root_view_id: v.rootViewId,
    previous_view_id: v.previousViewId ?? null,
    app_id: ctx.appId,
    app_installed_team_id: ctx.teamId,
    bot_id: ctx.botId,
  };
}

/** A string argument, or undefined. */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
