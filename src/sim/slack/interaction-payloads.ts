import type { Json, SimChannel, SimUser } from './types.ts';

/** The workspace and app a payload comes from. */
export interface PayloadSource {
  teamId: string;
  teamDomain: string;
  appId: string;
  /** The deprecated verification token Slack still sends in every payload. */
  verificationToken: string;
}

/** The form fields Slack POSTs for a slash command, in Slack's order. */
export function slashCommandForm(
  src: PayloadSource,
  f: {
    user: SimUser;
    channel: SimChannel;
    command: string;
    text: string;
    responseUrl: string;
    triggerId: string;
  },
): string {
  return new URLSearchParams({
    token: src.verificationToken,
    team_id: src.teamId,
    team_domain: src.teamDomain,
    channel_id: f.channel.id,
    channel_name: f.channel.isIm ? 'directmessage' : f.channel.name,
    user_id: f.user.id,
    user_name: f.user.name,
    command: f.command,
    text: f.text,
    api_app_id: src.appId,
    is_enterprise_install: 'false',
    response_url: f.responseUrl,
    trigger_id: f.triggerId,
  }).toString();
}

/** An interactive payload as the one form field Slack sends: `payload=<JSON>`. */
export function payloadForm(payload: Json): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

const userOf = (src: PayloadSource, user: SimUser): Json => ({
  id: user.id,
  username: user.name,
  name: user.name,
  team_id: src.teamId,
});

const common = (src: PayloadSource, user: SimUser): Json => ({
  user: userOf(src, user),
  api_app_id: src.appId,
  token: src.verificationToken,
  team: { id: src.teamId, domain: src.teamDomain },
  enterprise: null,
  is_enterprise_install: false,
});

/** Where a block action happened: a message (maybe ephemeral) in a channel, or a view. */
export type ActionContainer =
  | {
      type: 'message';
      channel: SimChannel;
      messageTs: string;
      message?: Json;
      ephemeral: boolean;
      threadTs?: string;
    }
  | { type: 'view'; view: Json };

/** A block_actions payload for one action. */
export function blockActionsPayload(
  src: PayloadSource,
  f: { user: SimUser; container: ActionContainer; action: Json; triggerId: string; responseUrl?: string },
): Json {
  const payload: Json = { type: 'block_actions', ...common(src, f.user), trigger_id: f.triggerId };
  const c = f.container;
  if (c.type === 'message') {
    payload.container = {
      type: 'message',
      message_ts: c.messageTs,
      channel_id: c.channel.id,
      is_ephemeral: c.ephemeral,
      ...(c.threadTs !== undefined ? { thread_ts: c.threadTs } : {}),
    };
    payload.channel = { id: c.channel.id, name: c.channel.name };
    // Slack sends the message only when it is not ephemeral.
    if (c.message !== undefined) payload.message = c.message;
    payload.state = { values: {} };
    if (f.responseUrl !== undefined) payload.response_url = f.responseUrl;
  } else {
    payload.container = { type: 'view', view_id: c.view.id };
    payload.view = c.view;
  }
  payload.actions = [f.action];
  return payload;
}

/** A view_submission payload. */
export function viewSubmissionPayload(
  src: PayloadSource,
  f: { user: SimUser; view: Json; triggerId: string },
): Json {
  return {
    type: 'view_submission',
    ...common(src, f.user),
    trigger_id: f.triggerId,
    view: f.view,
    response_urls: [],
  };
}

/** A view_closed payload (sent only for views with notify_on_close). */
export function viewClosedPayload(
  src: PayloadSource,
  f: { user: SimUser; view: Json; isCleared: boolean },
): Json {
  return { type: 'view_closed', ...common(src, f.user), view: f.view, is_cleared: f.isCleared };
}
