import { WebClient } from '@slack/web-api';
import { loadConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createSlackLeaseNotifier } from '../slack/slack-lease-notifier.ts';
import type { LeaseNotifier } from '../vm/types.ts';

/**
 * The CLI's lease DMs (`leases sweep`, `delete`): the bot's own when SLACK_BOT_TOKEN is set (SLACK_API_URL too),
 * with few retries so a cron run does not wait half an hour on a Slack outage; undefined without the token.
 */
export function cliLeaseNotifier(
  env: Record<string, string | undefined>,
  logger: Logger,
): LeaseNotifier | undefined {
  if (env.SLACK_BOT_TOKEN === undefined) return undefined;
  const slack = loadConfig(env, ['slack']).slack;
  const client = new WebClient(slack.botToken, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 2, factor: 2, minTimeout: 500 },
  });
  return createSlackLeaseNotifier(client, logger);
}
