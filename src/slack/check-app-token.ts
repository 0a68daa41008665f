import { type FetchFunction, WebClient } from '@slack/web-api';

/** Why Slack refused the app token, in words that name the variable and say what to do. */
const REFUSALS: Record<string, string> = {
  invalid_auth:
    'SLACK_APP_TOKEN was refused by Slack (invalid_auth): the app-level token is wrong or was revoked; create one under Basic Information → App-Level Tokens with the connections:write scope',
  not_authed: 'SLACK_APP_TOKEN is empty: set the app-level token (xapp-…) with the connections:write scope',
  not_allowed_token_type:
    'SLACK_APP_TOKEN is not an app-level token (not_allowed_token_type): use the xapp-… token from Basic Information → App-Level Tokens, not the bot token',
  missing_scope:
    'SLACK_APP_TOKEN lacks the connections:write scope (missing_scope): add it to the app-level token',
  account_inactive:
    'SLACK_APP_TOKEN belongs to an app or workspace that is no longer active (account_inactive)',
};

/**
 * Opens one Socket Mode URL with the app token before Bolt starts, so that a bad token stops the start
 * with a message naming SLACK_APP_TOKEN: left to itself the client retries `not_allowed_token_type`
 * forever. The URL is not used (an unused ticket simply expires). The token itself is never in the message.
 */
export async function checkAppToken(options: {
  appToken: string;
  apiUrl: string;
  fetch?: FetchFunction;
}): Promise<void> {
  const client = new WebClient('', {
    slackApiUrl: options.apiUrl,
    headers: { Authorization: `Bearer ${options.appToken}` },
    retryConfig: { retries: 2, factor: 2, minTimeout: 500 },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  try {
    const res = await client.apps.connections.open({});
    if (typeof res.url !== 'string') throw new Error('no url');
  } catch (error) {
    const code = (error as { data?: { error?: unknown } }).data?.error;
    if (typeof code === 'string') {
      throw new Error(REFUSALS[code] ?? `SLACK_APP_TOKEN: apps.connections.open failed with ${code}`);
    }
    throw new Error(
      `SLACK_APP_TOKEN could not be checked: apps.connections.open at SLACK_API_URL did not answer (${
        (error as { code?: unknown }).code ?? 'no answer'
      })`,
    );
  }
}
