import { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.ts';
import { boltLogger } from '../slack/bolt-logger.ts';
import type { BotIdentity } from '../slack/create-slack-app.ts';
import type { ServicesConfig } from './services-types.ts';

/** Asks Slack who the bot is, with few retries: a wrong token or URL should stop the start, not hang it. */
export async function whoAmI(config: ServicesConfig['slack'], logger: Logger): Promise<BotIdentity> {
  const client = new WebClient(config.botToken, {
    slackApiUrl: config.apiUrl,
    logger: boltLogger(logger),
    retryConfig: { retries: 2, factor: 2, minTimeout: 500 },
  });
  const res = await client.auth.test();
  if (typeof res.bot_id !== 'string' || typeof res.user_id !== 'string') {
    throw new Error(
      'SLACK_BOT_TOKEN is not a bot token: auth.test returned no bot_id (use the xoxb-… token)',
    );
  }
  return { botId: res.bot_id, botUserId: res.user_id };
}
