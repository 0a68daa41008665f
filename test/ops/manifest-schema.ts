import { z } from 'zod';

/**
 * A schema of the Slack app manifest fields pve-clonebot uses, with Slack's documented limits. Slack
 * publishes no offline schema; the test also type-checks the parsed result against @slack/web-api's Manifest.
 * Objects are strict so a misspelt key fails here instead of being ignored by Slack.
 */

/** Bot scopes the bot may ask for; anything else is more access than the bot needs. */
export const KNOWN_BOT_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'usergroups:read',
  'im:write',
  'channels:history',
  'groups:history',
] as const;

/** The events the bot listens to. */
export const KNOWN_BOT_EVENTS = ['app_home_opened'] as const;

/** Where Slack POSTs in HTTP mode: the Bolt receiver's one endpoint, over https. */
const eventsUrl = z
  .string()
  .regex(/^https:\/\/[^/\s]+\/slack\/events$/, 'must be https://<host>/slack/events');

const metadata = z.strictObject({ major_version: z.literal(1), minor_version: z.number().int().min(0) });

const displayInformation = z.strictObject({
  name: z.string().min(1).max(35),
  description: z.string().min(1).max(140),
  background_color: z.string().regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/),
});

const botUser = z.strictObject({
  display_name: z.string().regex(/^[a-z0-9._-]{1,80}$/, 'lower-case letters, digits, - _ . only'),
  always_online: z.boolean(),
});

const commandFields = {
  command: z.string().regex(/^\/[a-z0-9_-]{1,31}$/, 'must start with / and be at most 32 characters'),
  description: z.string().min(1).max(2000),
  usage_hint: z.string().min(1).max(1000),
  // Escaped text would turn `#chan` and `@user` into <…> markup the parser does not expect.
  should_escape: z.literal(false),
};

const oauthConfig = z.strictObject({
  scopes: z.strictObject({
    bot: z
      .array(z.enum(KNOWN_BOT_SCOPES))
      .min(1)
      .refine((s) => new Set(s).size === s.length, 'scopes must not repeat'),
  }),
});

/** The Home tab is the bot's; the Messages tab is the app's DM (where `/clone` works too). */
const appHome = z.strictObject({
  home_tab_enabled: z.literal(true),
  messages_tab_enabled: z.boolean(),
});

const botEvents = z
  .array(z.enum(KNOWN_BOT_EVENTS))
  .min(1)
  .refine((e) => new Set(e).size === e.length, 'events must not repeat');

const commonSettings = { org_deploy_enabled: z.boolean(), token_rotation_enabled: z.literal(false) };

/** Socket Mode: Slack reaches the bot over its WebSocket, so no request URL may be set anywhere. */
export const socketModeManifest = z.strictObject({
  _metadata: metadata,
  display_information: displayInformation,
  features: z.strictObject({
    app_home: appHome,
    bot_user: botUser,
    slash_commands: z.array(z.strictObject(commandFields)).min(1),
  }),
  oauth_config: oauthConfig,
  settings: z.strictObject({
    ...commonSettings,
    event_subscriptions: z.strictObject({ bot_events: botEvents }),
    interactivity: z.strictObject({ is_enabled: z.literal(true) }),
    socket_mode_enabled: z.literal(true),
  }),
});

/** HTTP mode: every command, interactivity and the events must name the public /slack/events URL. */
export const httpModeManifest = z.strictObject({
  _metadata: metadata,
  display_information: displayInformation,
  features: z.strictObject({
    app_home: appHome,
    bot_user: botUser,
    slash_commands: z.array(z.strictObject({ ...commandFields, url: eventsUrl })).min(1),
  }),
  oauth_config: oauthConfig,
  settings: z.strictObject({
    ...commonSettings,
    event_subscriptions: z.strictObject({ request_url: eventsUrl, bot_events: botEvents }),
    interactivity: z.strictObject({ is_enabled: z.literal(true), request_url: eventsUrl }),
    socket_mode_enabled: z.literal(false),
  }),
});

/** Either mode, each consistent with itself. */
export const manifestSchema = z.union([socketModeManifest, httpModeManifest]);
