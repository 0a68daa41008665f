import { randomBytes } from 'node:crypto';
import type { PayloadSource } from './interaction-payloads.ts';
import type { Json } from './types.ts';

/**
 * An Events API `event_callback` envelope around `event`, as Slack POSTs it (JSON, not a form): the bot's
 * authorization, a unique event_id and the event time in seconds.
 */
export function eventCallback(
  src: PayloadSource,
  f: { event: Json; botUserId: string; eventTimeSec: number },
): Json {
  return {
    token: src.verificationToken,
    team_id: src.teamId,
    api_app_id: src.appId,
    event: f.event,
    type: 'event_callback',
    event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
    event_time: f.eventTimeSec,
    authorizations: [
      {
        enterprise_id: null,
        team_id: src.teamId,
        user_id: f.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${randomBytes(12).toString('hex')}`,
  };
}

/** The `app_home_opened` event: `channel` is the app's DM with the user; `view` the Home tab once published. */
export function appHomeOpenedEvent(f: {
  user: string;
  channel: string;
  tab: 'home' | 'messages';
  eventTs: string;
  view?: Json;
}): Json {
  return {
    type: 'app_home_opened',
    user: f.user,
    channel: f.channel,
    tab: f.tab,
    event_ts: f.eventTs,
    ...(f.view !== undefined ? { view: f.view } : {}),
  };
}
