import type { WebClient } from '@slack/web-api';
import type { SlackMessage } from '../slack/messages/slack-message.ts';

/** Where scheduled reports and change alerts go: one Slack message at a time, in order. */
export interface HealthPublisher {
  post(message: SlackMessage): Promise<void>;
}

/** Posts to HEALTH_REPORT_CHANNEL with chat.postMessage (the bot must be in the channel or have chat:write.public). */
export function createSlackHealthPublisher(client: WebClient, channel: string): HealthPublisher {
  return {
    async post(message) {
      await client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
      });
    },
  };
}
