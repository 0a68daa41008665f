import { z } from 'zod';
import { bool, int, optionalText } from './env-values.ts';

const SLACK_ID_LIST = /^[UWSC][A-Z0-9]{2,}$/;
const idList = (name: string, allowed: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return [] as string[];
      const ids = v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      for (const id of ids) {
        if (!SLACK_ID_LIST.test(id) || !allowed.includes(id[0] as string)) {
          ctx.addIssue({
            code: 'custom',
            message: `${name} must be a comma list of Slack ids (${allowed
              .split('')
              .map((c) => `${c}…`)
              .join(', ')}); '${id}' is not one (use the member or group id, not the display name)`,
          });
          return z.NEVER;
        }
      }
      return ids;
    });

/** SLACK_* and CLONE_* approval settings, as every process that talks to Slack reads them. */
export const slackSection = z
  .object({
    SLACK_BOT_TOKEN: z
      .string({ error: 'SLACK_BOT_TOKEN is required (the xoxb-… Bot User OAuth Token)' })
      .regex(/^xoxb-/, 'SLACK_BOT_TOKEN must start with xoxb-'),
    SLACK_SIGNING_SECRET: optionalText,
    SLACK_APP_TOKEN: optionalText.refine((v) => v === undefined || v.startsWith('xapp-'), {
      message: 'SLACK_APP_TOKEN must start with xapp- (an app-level token with connections:write)',
    }),
    SLACK_API_URL: optionalText.refine(
      (v) => v === undefined || /^https?:\/\/[^\s]+\/$/.test(v) || /^https?:\/\/[^\s]+$/.test(v),
      { message: 'SLACK_API_URL must be an http(s) URL such as https://slack.com/api/' },
    ),
    PORT: int('PORT', 3000, 0, 65_535),
    CLONE_APPROVERS: idList('CLONE_APPROVERS', 'UWS'),
    CLONE_REQUIRE_APPROVAL: bool('CLONE_REQUIRE_APPROVAL', true),
    CLONE_ALLOW_SELF_APPROVAL: bool('CLONE_ALLOW_SELF_APPROVAL', false),
    CLONE_APPROVAL_TTL_MINUTES: int('CLONE_APPROVAL_TTL_MINUTES', 1440, 1, 525_600),
    CLONE_REQUESTERS: idList('CLONE_REQUESTERS', 'UWSC'),
  })
  .transform((e) => {
    const apiUrl = e.SLACK_API_URL ?? 'https://slack.com/api/';
    return {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`,
      port: e.PORT,
      approvers: e.CLONE_APPROVERS,
      requireApproval: e.CLONE_REQUIRE_APPROVAL,
      allowSelfApproval: e.CLONE_ALLOW_SELF_APPROVAL,
      approvalTtlMs: e.CLONE_APPROVAL_TTL_MINUTES * 60_000,
      requesters: e.CLONE_REQUESTERS,
    };
  });

/**
 * What only the bot (the process that receives Slack's requests and decides approvals) needs on top of
 * the Slack section: a way to receive requests, and approvers when approval is required. A worker only
 * posts and edits messages, so it does not load this section.
 */
export const slackBotSection = z
  .object({
    SLACK_SIGNING_SECRET: optionalText,
    SLACK_APP_TOKEN: optionalText,
    CLONE_APPROVERS: idList('CLONE_APPROVERS', 'UWS'),
    CLONE_REQUIRE_APPROVAL: bool('CLONE_REQUIRE_APPROVAL', true),
  })
  .transform((e, ctx) => {
    if (e.SLACK_APP_TOKEN === undefined && e.SLACK_SIGNING_SECRET === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['SLACK_APP_TOKEN'],
        message:
          'SLACK_APP_TOKEN is required for Socket Mode, the default setup (xapp-…: Basic Information → App-Level Tokens, scope connections:write); for HTTP mode set SLACK_SIGNING_SECRET instead (Basic Information → Signing Secret)',
      });
    }
    if (e.CLONE_REQUIRE_APPROVAL && e.CLONE_APPROVERS.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['CLONE_APPROVERS'],
        message:
          'CLONE_APPROVERS is required while CLONE_REQUIRE_APPROVAL is true: a comma list of user ids (U…) and user-group ids (S…)',
      });
    }
    return {};
  });
