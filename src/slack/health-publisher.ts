import type { WebClient } from '@slack/web-api';
import type { HealthPublisher } from '../health/health-publisher.ts';
import { renderHealthChanges } from './messages/health-alert.ts';
import { renderHealthReport } from './messages/health-report.ts';
import type { SlackMessage } from './messages/slack-message.ts';

/**
 * Posts to HEALTH_REPORT_CHANNEL with chat.postMessage (the bot must be in the channel or have
 * chat:write.public). Without a channel it renders nothing, so nothing is posted: the health worker still runs
 * and removes the schedules an earlier configuration registered.
 */
export function createSlackHealthPublisher(
  client: WebClient,
  channel: string | undefined,
): HealthPublisher<SlackMessage> {
  return {
    renderReport: (report) => (channel === undefined ? [] : renderHealthReport(report)),
    renderChanges: (changes, opts) => (channel === undefined ? [] : renderHealthChanges(changes, opts)),
    async post(message) {
      if (channel === undefined) return;
      await client.chat.postMessage({
        channel,
        text: message.text,
        blocks: message.blocks,
        unfurl_links: false,
      });
    },
  };
}
